//! `Api` over the desktop shell: the Tauri commands `request` and `copy_text`, and the `nexsock://event` event.
//! The only file that touches `window.__TAURI_INTERNALS__`.

import { BridgeApi } from "./bridge";
import type { Event } from "./types/Event";
import type { Request } from "./types/Request";
import type { Response } from "./types/Response";

/** The Tauri event the shell forwards engine events on. */
export const EVENT_NAME = "nexsock://event";

/** The part of Tauri's injected IPC object this file uses. */
export interface TauriInternals {
  invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  transformCallback(callback: (payload: unknown) => void, once?: boolean): number;
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: TauriInternals;
  }
}

/** The injected bridge, when this page runs inside the app. */
export function tauriInternals(): TauriInternals | undefined {
  return typeof window === "undefined" ? undefined : window.__TAURI_INTERNALS__;
}

/** The engine through the desktop shell. */
export class TauriApi extends BridgeApi {
  constructor(tauri: TauriInternals) {
    const send = (request: Request) => tauri.invoke("request", { request }) as Promise<Response>;
    const listen = (onEvent: (event: Event) => void) => {
      const handler = tauri.transformCallback((message) => onEvent((message as { payload: Event }).payload));
      const id = tauri.invoke("plugin:event|listen", { event: EVENT_NAME, target: { kind: "Any" }, handler });
      return () => {
        void id.then((eventId) => tauri.invoke("plugin:event|unlisten", { event: EVENT_NAME, eventId }));
      };
    };
    // The shell's clipboard plugin, called from Rust: no clipboard permission for the page.
    const copy = async (text: string) => void (await tauri.invoke("copy_text", { text }));
    super(send, listen, copy);
  }
}
