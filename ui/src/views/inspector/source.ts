//! Who sent a recorded request, for the requests that did not come through the tunnel: another
//! local process sent them to the recording proxy's loopback port directly. Requests through the
//! tunnel, replays (marked as such) and those whose sender the OS did not tell get no mark.

import type { ExchangeSource } from "../../api/types/ExchangeSource";

/** The row's short mark and the longer words of the detail pane and tooltip. */
export interface LocalSender {
  label: string;
  detail: string;
}

/** The mark of a request another local process sent; null for any other source. */
export function localSender(via: ExchangeSource): LocalSender | null {
  switch (via.kind) {
    case "local": {
      const who = via.pid !== null ? `pid ${via.pid}` : via.uid !== null ? `uid ${via.uid}` : null;
      const label = via.pid !== null ? `local pid ${via.pid}` : via.uid !== null ? `local, uid ${via.uid}` : "local";
      const sender = who === null ? "another local process" : via.command ? `${who} (${via.command})` : who;
      return { label, detail: `not through the tunnel: sent to the inspector's port by ${sender}` };
    }
    case "tunnel":
    case "replay":
    case "unknown":
      return null;
  }
}
