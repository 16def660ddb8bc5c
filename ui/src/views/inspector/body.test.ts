import { describe, expect, it } from "vitest";
import { textBody } from "../../api/mock/inspector";
import { showBody, size } from "./body";

const json = [{ name: "content-type", value: "application/json; charset=utf-8" }];

describe("showing a recorded body", () => {
  it("pretty-prints JSON", () => {
    expect(showBody(textBody(`{"a":[1,2]}`), json)).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true, note: null });
  });

  it("shows other text as it came, and says an empty body is empty", () => {
    expect(showBody(textBody("{not json"), json)).toEqual({ text: "{not json", json: false, note: null });
    expect(showBody(textBody("hello"), [])).toEqual({ text: "hello", json: false, note: null });
    expect(showBody(textBody(""), []).note).toBe("empty");
  });

  it("says when a body is binary or was cut", () => {
    expect(showBody({ data: "AAE=", base64: true, size: 2, truncated: false }, []).note).toBe("binary, 2 B, shown as base64");
    expect(showBody({ data: "x", base64: false, size: 100_000, truncated: true }, json).note).toBe("only the first 64 KiB of 97.7 KiB kept");
    expect(size(1536)).toBe("1.5 KiB");
  });
});
