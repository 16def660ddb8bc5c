//! `Api` over the desktop shell, through `@tauri-apps/api`: the Tauri commands `request`,
//! `copy_text`, `autostart` and `close_window`, and the `nexsock://event` event. The only file that
//! talks to Tauri.

import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { BridgeApi, type Listen } from "./bridge";
import type { Event } from "./types/Event";
import type { Request } from "./types/Request";
import type { Response } from "./types/Response";

/** The Tauri event the shell forwards engine events on. */
export const EVENT_NAME = "nexsock://event";

/** Whether this page runs inside the app (the shell marks its webviews), rather than in a browser. */
export function insideApp(): boolean {
  return isTauri();
}

/** Sends one contract request through the shell's `request` command. */
const send = (request: Request) => invoke<Response>("request", { request });

/** Delivers the shell's engine events until stopped; none after, even before Tauri has unlistened. */
const follow: Listen = (onEvent) => {
  let active = true;
  const unlisten = listen<Event>(EVENT_NAME, (message) => {
    if (active) onEvent(message.payload);
  });
  unlisten.catch((e) => console.error(`cannot follow ${EVENT_NAME}:`, e));
  return () => {
    active = false;
    void unlisten.then((stop) => stop(), () => {});
  };
};

/** The shell's clipboard plugin, called from Rust: no clipboard permission for the page. */
const copy = async (text: string) => void (await invoke("copy_text", { text }));

/** The shell's start at login (`tauri-plugin-autostart`, called from Rust): `null` reads it. */
const autostart = (enabled: boolean | null) => invoke<boolean>("autostart", { enabled });

/** The engine through the desktop shell. */
export class TauriApi extends BridgeApi {
  constructor() {
    super(send, follow, copy, autostart);
  }
}

/** Ctrl+W closes the window, which ends its webview; the app stays in the tray. */
export function closeOnCtrlW(target: Pick<Window, "addEventListener"> = window): void {
  target.addEventListener("keydown", (e: KeyboardEvent) => {
    if (e.ctrlKey && !e.altKey && !e.shiftKey && !e.metaKey && e.key.toLowerCase() === "w") {
      e.preventDefault();
      invoke("close_window").catch((err) => console.error("cannot close the window:", err));
    }
  });
}
