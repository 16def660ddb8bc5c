//! Picks the backend at startup: the desktop shell when its bridge is injected, else the in-memory
//! mock (so `npm run dev` works in a plain browser).

import type { Api } from "./api";
import { MockApi } from "./mock/mockApi";
import { seedDemo } from "./mock/seed";
import { TauriApi, tauriInternals } from "./tauri";

export type { Api } from "./api";
export { errorMessage, isApiError } from "./api";

/** The backend for this page. */
export function createApi(): Api {
  const tauri = tauriInternals();
  if (tauri) return new TauriApi(tauri);
  const mock = new MockApi({ stepDelayMs: 400 });
  seedDemo(mock.engine);
  return mock;
}
