//! A service in the graph: its name and state, coloured by the state (the badges' `state-*` palette:
//! `completed`, a one-shot that exited 0 by itself, apart from stopped and failed), what the state
//! means as its title, with a handle on each side: drag from a dependency's right handle to a
//! dependent's left handle to connect them.

import { Handle, Position, type NodeProps } from "@xyflow/react";
import { STATES } from "../../api/states";
import type { ServiceNodeType } from "./model";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";

export function ServiceNode({ data, selected }: NodeProps<ServiceNodeType>) {
  return (
    <div
      className={`graph-node state-${data.state}${selected ? " selected" : ""}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      data-testid={`node-${data.name}`}
      title={STATES[data.state].meaning}
    >
      <Handle type="target" position={Position.Left} aria-label={`${data.name}: connect a dependency here`} />
      <strong>{data.name}</strong>
      <span className="node-state">{data.state}{data.port !== null ? ` · :${data.port}` : ""}</span>
      <Handle type="source" position={Position.Right} aria-label={`${data.name}: drag to a service that needs it`} />
    </div>
  );
}
