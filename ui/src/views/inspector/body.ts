//! How a recorded body is shown: JSON pretty-printed (two spaces), other text as it came, binary
//! as the base64 the engine kept; and a note of what was not kept.

import type { BodyRecord } from "../../api/types/BodyRecord";
import type { HeaderField } from "../../api/types/HeaderField";

/** The most of each body the engine keeps. */
const BODY_CAP_BYTES = 64 * 1024;

export interface ShownBody {
  /** The text to show (empty for an empty body). */
  text: string;
  /** It was parsed as JSON and pretty-printed. */
  json: boolean;
  /** What the reader should know: empty, binary, cut at the cap. */
  note: string | null;
}

/** `1.5 KiB`, `12 B`. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MiB`;
}

function contentType(headers: HeaderField[]): string {
  return headers.find((h) => h.name.toLowerCase() === "content-type")?.value.toLowerCase() ?? "";
}

/** A body for reading: JSON (by its content type, or text that parses as an object or array)
 *  pretty-printed unless it was cut (then it would not parse). */
export function showBody(body: BodyRecord, headers: HeaderField[]): ShownBody {
  if (body.size === 0) return { text: "", json: false, note: "empty" };
  const notes: string[] = [];
  if (body.base64) notes.push(`binary, ${size(body.size)}, shown as base64`);
  if (body.truncated) notes.push(`only the first ${size(BODY_CAP_BYTES)} of ${size(body.size)} kept`);
  const note = notes.length ? notes.join("; ") : null;
  if (body.base64 || body.truncated) return { text: body.data, json: false, note };
  const looksJson = contentType(headers).includes("json") || /^\s*[[{]/.test(body.data);
  if (looksJson) {
    try {
      return { text: JSON.stringify(JSON.parse(body.data), null, 2), json: true, note };
    } catch {
      // Not JSON after all: shown as it came.
    }
  }
  return { text: body.data, json: false, note };
}
