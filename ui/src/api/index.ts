//! Picks the backend at startup: the desktop shell when the page runs inside the app, else the
//! in-memory mock (so `npm run dev` works in a plain browser).

import type { Api } from "./api";
import { MockApi } from "./mock/mockApi";
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
  return mock;
}
