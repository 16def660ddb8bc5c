//! Searching the log: which lines match (case-insensitively, as plain text, not a pattern), and a
//! line cut into the parts to highlight.

import type { Stream } from "../../api/types/Stream";

/** A line of the log view; `id` is stable for as long as the line is shown. `marker` lines are
 *  nexsock's own: where a run started or ended. */
export interface LogEntry {
  id: number;
  stream: Stream;
  text: string;
}

/** A piece of a line, and whether it is a match. */
export interface Part {
  text: string;
  match: boolean;
}

/** `query` as a global, case-insensitive pattern matching exactly its text. */
function searchPattern(query: string): RegExp {
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu");
}

/** The lines containing `query` in any case; all lines for an empty query. */
export function filterLines(lines: LogEntry[], query: string): LogEntry[] {
  if (query === "") return lines;
  const pattern = searchPattern(query);
  return lines.filter((l) => {
    pattern.lastIndex = 0;
    return pattern.test(l.text);
  });
}

/** `text` cut around every occurrence of `query` (any case), in order; one plain part if none. */
export function highlight(text: string, query: string): Part[] {
  if (query === "") return [{ text, match: false }];
  const parts: Part[] = [];
  let at = 0;
  for (const hit of text.matchAll(searchPattern(query))) {
    if (hit.index > at) parts.push({ text: text.slice(at, hit.index), match: false });
    parts.push({ text: hit[0], match: true });
    at = hit.index + hit[0].length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), match: false });
  return parts;
}
