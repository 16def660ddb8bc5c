//! Connect mode: the keyboard way to connect two services in the graph itself. With a service's
//! node focused, C starts it from that service (the dependency, as a drag from its right handle);
//! the arrow keys (nearest node that way) or Tab / Shift+Tab (reading order) move the focus, and
//! the choice, among the other nodes; Enter adds "the chosen service depends on the first" through
//! the same engine call as a drag (a refusal, a cycle with its path, shows in the banner); Escape,
//! or the focus leaving the graph, cancels. Each step is said in a live region (`message`).

import { useCallback, useEffect, useRef, useState, type FocusEvent, type KeyboardEvent, type RefObject } from "react";
import { CONNECT_TEXT, moveOf, nextTarget, type Connecting, type Placed } from "./keyboardConnect";

interface Options {
  nodes: Placed[];
  /** The edges shown, from dependency (`source`) to dependent (`target`). */
  edges: { source: string; target: string }[];
  /** Adds "`target` depends on `source`"; resolves to the engine's refusal, or null. */
  connect: (source: string, target: string) => Promise<string | null>;
  /** The element holding the React Flow canvas. */
  canvas: RefObject<HTMLElement | null>;
}

/** The node element (React Flow's focusable wrapper) of a service. */
function nodeElement(canvas: HTMLElement | null, id: string): HTMLElement | null {
  for (const el of canvas?.querySelectorAll<HTMLElement>(".react-flow__node") ?? []) {
    if (el.getAttribute("data-id") === id) return el;
  }
  return null;
}

export function useKeyboardConnect({ nodes, edges, connect, canvas }: Options) {
  const [connecting, setConnecting] = useState<Connecting | null>(null);
  const [message, setMessage] = useState("");
  const busy = useRef(false);

  const focusNode = useCallback((id: string) => nodeElement(canvas.current, id)?.focus(), [canvas]);

  // A service removed meanwhile: connect mode ends with its first service, forgets a removed choice.
  useEffect(() => {
    if (!connecting) return;
    const ids = new Set(nodes.map((n) => n.id));
    if (!ids.has(connecting.from)) {
      setConnecting(null);
      setMessage(CONNECT_TEXT.cancelled(connecting.from));
    } else if (connecting.to !== null && !ids.has(connecting.to)) {
      setConnecting({ ...connecting, to: null });
      setMessage(CONNECT_TEXT.start(connecting.from));
    }
  }, [nodes, connecting]);

  const cancel = useCallback((from: string, refocus: boolean) => {
    setConnecting(null);
    setMessage(CONNECT_TEXT.cancelled(from));
    if (refocus) focusNode(from);
  }, [focusNode]);

  const confirm = useCallback(async ({ from, to }: Connecting) => {
    if (to === null) {
      setMessage(CONNECT_TEXT.nothingChosen(from));
      return;
    }
    // A drag would reset an existing edge's options to the defaults: say so instead.
    if (edges.some((e) => e.source === from && e.target === to)) {
      setMessage(CONNECT_TEXT.exists(from, to));
      return;
    }
    if (busy.current) return;
    busy.current = true;
    setConnecting(null);
    setMessage(CONNECT_TEXT.adding(from, to));
    focusNode(from);
    try {
      const refusal = await connect(from, to);
      setMessage(refusal === null ? CONNECT_TEXT.done(from, to) : CONNECT_TEXT.refused(refusal));
    } finally {
      busy.current = false;
    }
  }, [edges, connect, focusNode]);

  /** Handles connect mode's keys before React Flow sees them (it would select or move the node). */
  const onKeyDownCapture = useCallback((event: KeyboardEvent<HTMLElement>) => {
    const handled = () => {
      event.preventDefault();
      event.stopPropagation();
    };
    if (!connecting) {
      const node = (event.target as HTMLElement).closest?.(".react-flow__node");
      const id = node?.getAttribute("data-id");
      if (!id || event.key.toLowerCase() !== "c" || event.ctrlKey || event.metaKey || event.altKey) return;
      handled();
      if (!nodes.some((n) => n.id !== id)) {
        setMessage(CONNECT_TEXT.alone(id));
        return;
      }
      setConnecting({ from: id, to: null });
      setMessage(CONNECT_TEXT.start(id));
      return;
    }
    const move = moveOf(event.key, event.shiftKey);
    if (move) {
      handled();
      const to = nextTarget(nodes, connecting.from, connecting.to, move);
      if (to === null) return;
      if (to !== connecting.to) {
        setConnecting({ ...connecting, to });
        setMessage(CONNECT_TEXT.chosen(connecting.from, to));
      }
      focusNode(to);
    } else if (event.key === "Escape") {
      handled();
      cancel(connecting.from, true);
    } else if (event.key === "Enter") {
      handled();
      void confirm(connecting);
    }
  }, [connecting, nodes, focusNode, cancel, confirm]);

  /** The focus leaving the graph ends connect mode. */
  const onBlur = useCallback((event: FocusEvent<HTMLElement>) => {
    if (connecting && !canvas.current?.contains(event.relatedTarget as Node | null)) cancel(connecting.from, false);
  }, [connecting, canvas, cancel]);

  return { connecting, message, onKeyDownCapture, onBlur };
}
