//! The side panel of the graph: pick a dependency (the keyboard way; clicking an edge, or Tab to
//! it and Enter, selects it too) and edit its options. Shows what the last save did.

import { useRef, useState } from "react";
import type { DependencySpec } from "../../api/types/DependencySpec";
import { EdgeEditor } from "./EdgeEditor";
import { edgeId, type DependencyEdgeType } from "./model";

interface Props {
  edges: DependencyEdgeType[];
  /** Selects the edge with this id, or none. */
  onSelect: (id: string | null) => void;
  /** Upserts an edge through the engine; rejects with its error. */
  onSave: (spec: DependencySpec) => Promise<void>;
}

export function EdgePanel({ edges, onSelect, onSave }: Props) {
  // What the last save did, and for which edge: shown only while that edge is the one edited.
  const [saved, setSaved] = useState<{ id: string; text: string } | null>(null);
  const picker = useRef<HTMLSelectElement>(null);
  const selected = edges.filter((e) => e.selected);
  const editing = selected.length === 1 ? selected[0] : undefined;

  const select = (id: string | null) => {
    setSaved(null);
    onSelect(id);
  };
  const save = async (spec: DependencySpec) => {
    setSaved(null);
    await onSave(spec);
    setSaved({ id: edgeId(spec.service, spec.depends_on), text: `Saved ${spec.service} → ${spec.depends_on}.` });
  };
  // Closing removes the form: keep the keyboard where it can pick the next edge.
  const close = () => {
    select(null);
    picker.current?.focus();
  };

  return (
    <aside className="edge-panel" aria-label="Dependency options">
      <label className="edge-picker">
        Dependency to edit
        <select ref={picker} value={selected.length === 1 ? selected[0].id : ""} onChange={(e) => select(e.target.value || null)}>
          <option value="">{selected.length > 1 ? `${selected.length} selected` : "none"}</option>
          {edges.map((e) => (
            <option key={e.id} value={e.id}>{e.target} → {e.source}</option>
          ))}
        </select>
      </label>
      <p role="status" className="saved">{saved && saved.id === editing?.id ? saved.text : null}</p>
      {editing?.data ? (
        <EdgeEditor key={editing.id} spec={editing.data.spec} onSave={save} onClose={close} />
      ) : (
        <p className="hint">Select an edge (click it, or Tab to it and press Enter) to edit its condition and options.</p>
      )}
    </aside>
  );
}
