import { describe, expect, it } from "vitest";
import { describeHolder, isOurs } from "./ports";

const holder = (pid: number | null, command: string | null, service: string | null = null, orphan_of: string | null = null) =>
  ({ pid, command, service, orphan_of });

describe("describeHolder, as the engine's PortHolder::describe", () => {
  it.each([
    [holder(12, "./run-web", "web"), "nexsock service `web` (pid 12)"],
    [holder(null, null, "web"), "nexsock service `web`"],
    [holder(9, "./run-web", null, "web"), "pid 9 (./run-web), left running by an earlier run of `web`"],
    [holder(123, "python3 -m http.server 8899"), "pid 123 (python3 -m http.server 8899)"],
    [holder(123, null), "pid 123"],
    [holder(null, null), "a process nexsock cannot see (another user's?)"],
  ])("describes %j as %j", (h, text) => {
    expect(describeHolder(h)).toBe(text);
  });

  it("counts a service or an orphan as ours, a foreign process not", () => {
    expect(isOurs(holder(1, "x", "web"))).toBe(true);
    expect(isOurs(holder(1, "x", null, "web"))).toBe(true);
    expect(isOurs(holder(1, "x"))).toBe(false);
  });
});
