import { describe, expect, it } from "vitest";
import type { Exchange } from "../../api/types/Exchange";
import { textBody } from "../../api/mock/inspector";
import { curlBase, curlCommand, shellQuote } from "./curl";

function exchange(fields: Partial<Exchange>): Exchange {
  return {
    id: 1, service: "api", time_ms: 0, method: "GET", path: "/", status: 200, duration_ms: 1, client_addr: null,
    via: { kind: "tunnel" }, replay_of: null, error: null, request_headers: [], request_body: textBody(""), response_headers: [],
    response_body: textBody(""), ...fields,
  };
}

describe("Copy as curl", () => {
  it("quotes every word for a POSIX shell", () => {
    expect(shellQuote("it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
  });

  it("sends to the public URL, else the service's port", () => {
    expect(curlBase("https://a.example/", 8080)).toBe("https://a.example");
    expect(curlBase(null, 8080)).toBe("http://127.0.0.1:8080");
  });

  it("writes a GET with its query and headers, leaving out the ones of the hop", () => {
    const e = exchange({
      path: "/search?q=a b&x='1'",
      request_headers: [{ name: "host", value: "127.0.0.1:4000" }, { name: "accept", value: "*/*" }],
    });
    expect(curlCommand(e, "https://a.example")).toBe(`curl 'https://a.example/search?q=a b&x='\\''1'\\''' -H 'accept: */*'`);
  });

  it("writes a POST with its body, and a binary body piped from its base64", () => {
    const post = exchange({
      method: "POST", path: "/hook",
      request_headers: [{ name: "content-type", value: "application/json" }, { name: "content-length", value: "9" }],
      request_body: textBody(`{"a":"'"}`),
    });
    expect(curlCommand(post, "http://h")).toBe(
      `curl -X 'POST' 'http://h/hook' -H 'content-type: application/json' --data-binary '{"a":"'\\''"}'`,
    );
    const binary = exchange({ method: "PUT", request_body: { data: "AAE=", base64: true, size: 2, truncated: false } });
    expect(curlCommand(binary, "http://h")).toBe(`printf %s 'AAE=' | base64 -d | curl -X 'PUT' 'http://h/' --data-binary @-`);
  });
});
