//! Connecting two services from the keyboard, in the graph itself: the pure part. As with a drag
//! from a node's right handle, the service connect mode starts from is the dependency, and the
//! one chosen depends on it (the edge goes from the first to the second).

/** A node where the layout put it (its top-left corner; every node has the same size). */
export interface Placed {
  id: string;
  position: { x: number; y: number };
}

/** Connect mode: from which service (the dependency), and the service chosen so far, if any. */
export interface Connecting {
  from: string;
  to: string | null;
}

/** A move of the choice: Tab / Shift+Tab through the services in reading order, arrows in space. */
export type Move = "next" | "previous" | "left" | "right" | "up" | "down";

/** The move a key makes in connect mode, or null. */
export function moveOf(key: string, shift: boolean): Move | null {
  switch (key) {
    case "Tab":
      return shift ? "previous" : "next";
    case "ArrowLeft":
      return "left";
    case "ArrowRight":
      return "right";
    case "ArrowUp":
      return "up";
    case "ArrowDown":
      return "down";
    default:
      return null;
  }
}

/** The services in reading order of the left-to-right layout: by column, then top to bottom. */
function readingOrder(nodes: Placed[]): Placed[] {
  return [...nodes].sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y || a.id.localeCompare(b.id));
}

/**
 * The service chosen after `move`, starting from the current choice (or from `from` when there is
 * none yet); never `from` itself. Tab wraps around; an arrow goes to the nearest service in its
 * direction (distance along it, plus twice the distance across it) and stays where it is when
 * there is none. Null when there is nothing to choose.
 */
export function nextTarget(nodes: Placed[], from: string, current: string | null, move: Move): string | null {
  const here = nodes.find((n) => n.id === (current ?? from)) ?? nodes.find((n) => n.id === from);
  if (!here) return null;
  if (move === "next" || move === "previous") {
    const order = readingOrder(nodes);
    const step = move === "next" ? 1 : -1;
    let at = order.findIndex((n) => n.id === here.id);
    for (let i = 0; i < order.length; i++) {
      at = (at + step + order.length) % order.length;
      if (order[at].id !== from) return order[at].id;
    }
    return null;
  }
  const horizontal = move === "left" || move === "right";
  const sign = move === "right" || move === "down" ? 1 : -1;
  let best: { id: string; score: number } | null = null;
  for (const n of nodes) {
    if (n.id === from || n.id === here.id) continue;
    const dx = n.position.x - here.position.x;
    const dy = n.position.y - here.position.y;
    const along = sign * (horizontal ? dx : dy);
    if (along <= 0) continue;
    const score = along + 2 * Math.abs(horizontal ? dy : dx);
    if (!best || score < best.score || (score === best.score && n.id < best.id)) best = { id: n.id, score };
  }
  return best?.id ?? current;
}

/** What the live region says at each step. */
export const CONNECT_TEXT = {
  start: (from: string) =>
    `Connecting ${from}: choose the service that depends on it (arrow keys or Tab), Enter to confirm, Escape to cancel.`,
  chosen: (from: string, to: string) => `${to} will depend on ${from}: Enter to confirm, Escape to cancel.`,
  nothingChosen: (from: string) =>
    `Choose the service that depends on ${from} first (arrow keys or Tab), or Escape to cancel.`,
  exists: (from: string, to: string) => `${to} already depends on ${from}: choose another service, or Escape to cancel.`,
  alone: (from: string) => `There is no other service to connect ${from} to.`,
  adding: (from: string, to: string) => `Adding: ${to} depends on ${from}…`,
  done: (from: string, to: string) => `Connected: ${to} now depends on ${from}.`,
  refused: (message: string) => `Not connected: ${message}`,
  cancelled: (from: string) => `Connecting ${from} cancelled.`,
};

/** The nodes with connect mode's marks: `connect-from` on its service, `connect-to` on the choice. */
export function markConnecting<N extends Placed & { className?: string }>(nodes: N[], connecting: Connecting | null): N[] {
  if (!connecting) return nodes;
  return nodes.map((n) => {
    if (n.id === connecting.from) return { ...n, className: "connect-from" };
    if (n.id === connecting.to) return { ...n, className: "connect-to" };
    return n;
  });
}
