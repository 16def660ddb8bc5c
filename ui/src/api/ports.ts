//! Who holds a service's port, in words: the engine's `PortHolder::describe`, for the Services
//! view and for the mock engine's `port_in_use` messages.

import type { PortHolder } from "./types/PortHolder";

/** `nexsock service `web` (pid 12)`, `pid 12 (python3 -m http.server 8000)`, `pid 9 (./run),
 *  left running by an earlier run of `web``, or a process nexsock cannot see: as the engine says it. */
export function describeHolder(holder: PortHolder): string {
  const { pid, command, service, orphan_of } = holder;
  if (service !== null) return pid === null ? `nexsock service \`${service}\`` : `nexsock service \`${service}\` (pid ${pid})`;
  const process = pid === null
    ? "a process nexsock cannot see (another user's?)"
    : command === null ? `pid ${pid}` : `pid ${pid} (${command})`;
  return orphan_of === null ? process : `${process}, left running by an earlier run of \`${orphan_of}\``;
}

/** Whether nexsock started the holder (a running service or an orphan of one), so that freeing
 *  the port may stop it without killing a foreign process. */
export function isOurs(holder: PortHolder): boolean {
  return holder.service !== null || holder.orphan_of !== null;
}
