//! "Copy as curl": a recorded request as a curl command line for a POSIX shell, sent to the
//! tunnel's public URL (what the provider's client called; the service's local port while the
//! tunnel has no URL). Header values are taken as shown: a masked one stays `********` unless
//! the secrets are shown. Every argument is single-quoted, so nothing in it reaches the shell.

import type { Exchange } from "../../api/types/Exchange";

/** Headers curl sets itself from the URL and the body, or that only described the hop the
 *  recording proxy received (the new request makes its own). */
const LEFT_OUT = new Set(["host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer"]);

/** `text` as one POSIX shell word: in single quotes, a `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The base URL a copied command is sent to: the public URL without its trailing `/`, else the
 *  service's port on loopback. */
export function curlBase(publicUrl: string | null, localPort: number): string {
  return publicUrl ? publicUrl.replace(/\/+$/, "") : `http://127.0.0.1:${localPort}`;
}

/** The command line for `exchange` sent to `base` (see `curlBase`). A binary body is decoded from
 *  its base64 and piped in; a body the recorder cut keeps only its first 64 KiB. */
export function curlCommand(exchange: Exchange, base: string): string {
  const args = ["curl"];
  const body = exchange.request_body;
  const hasBody = body.size > 0;
  if (exchange.method === "HEAD") args.push("--head");
  else if (exchange.method !== "GET" || hasBody) args.push("-X", shellQuote(exchange.method));
  args.push(shellQuote(base + exchange.path));
  for (const h of exchange.request_headers) {
    if (!LEFT_OUT.has(h.name.toLowerCase())) args.push("-H", shellQuote(`${h.name}: ${h.value}`));
  }
  if (!hasBody) return args.join(" ");
  if (!body.base64) return [...args, "--data-binary", shellQuote(body.data)].join(" ");
  return `printf %s ${shellQuote(body.data)} | base64 -d | ${[...args, "--data-binary", "@-"].join(" ")}`;
}
