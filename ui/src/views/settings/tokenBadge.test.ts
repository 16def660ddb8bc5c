import { describe, expect, it } from "vitest";
import { tokenBadge } from "./ProfileRow";

describe("tokenBadge", () => {
  it("says unknown, not 'no token', when the keyring did not answer", () => {
    expect(tokenBadge(null)).toMatchObject({ label: "token unknown" });
    expect(tokenBadge(null).title).toMatch(/may be locked/);
    expect(tokenBadge(true).label).toBe("token set");
    expect(tokenBadge(false).label).toBe("no token");
  });
});
