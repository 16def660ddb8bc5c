//! Picks the backend at startup: the desktop shell when the page runs inside the app, else the
//! in-memory mock (so `npm run dev` works in a plain browser).

import type { Api } from "./api";
import { MockApi } from "./mock/mockApi";
import { recordExchange, textBody } from "./mock/inspector";
import { seedDemo } from "./mock/seed";
import { insideApp, TauriApi } from "./tauri";

export type { Api } from "./api";
export { errorMessage, isApiError } from "./api";

/** How often the demo's tunnels pass a health check (`TunnelChecked`), like the engine's. */
const DEMO_TUNNEL_CHECK_MS = 10_000;

/** The backend for this page. */
export function createApi(): Api {
  if (insideApp()) return new TauriApi();
  const mock = new MockApi({ stepDelayMs: 400 });
  seedDemo(mock.engine);
  mock.engine.startTunnelChecks(DEMO_TUNNEL_CHECK_MS);
  // A webhook and a page load through the demo's open tunnel, for its Inspector.
  recordExchange(mock.engine, "api", { path: "/health?probe=1", response_body: textBody("ok") });
  recordExchange(mock.engine, "api", {
    method: "POST", path: "/webhooks/payments", status: 202, duration_ms: 14,
    request_headers: [{ name: "content-type", value: "application/json" }, { name: "authorization", value: "Bearer demo" }],
    request_body: textBody(`{"type":"payment.succeeded","amount":4200,"currency":"eur"}`),
    response_headers: [{ name: "content-type", value: "application/json" }],
    response_body: textBody(`{"received":true}`),
  });
  return mock;
}
