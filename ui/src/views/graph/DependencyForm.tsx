//! The keyboard way to add a dependency: pick a service and what it depends on. Same engine call
//! (and the same cycle refusal) as dragging between handles.

import { useState, type FormEvent } from "react";

interface Props {
  names: string[];
  /** Adds "`target` depends on `source`"; resolves whether the engine accepted it. */
  onConnect: (source: string, target: string) => Promise<boolean>;
}

export function DependencyForm({ names, onConnect }: Props) {
  const [service, setService] = useState("");
  const [dependsOn, setDependsOn] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (service && dependsOn && (await onConnect(dependsOn, service))) setDependsOn("");
  }

  const options = names.map((n) => (
    <option key={n} value={n}>{n}</option>
  ));
  return (
    <form className="dependency-form" onSubmit={submit} aria-label="Add a dependency">
      <label>
        Service
        <select value={service} onChange={(e) => setService(e.target.value)}>
          <option value="">choose…</option>
          {options}
        </select>
      </label>
      <label>
        depends on
        <select value={dependsOn} onChange={(e) => setDependsOn(e.target.value)}>
          <option value="">choose…</option>
          {options}
        </select>
      </label>
      <button type="submit" disabled={!service || !dependsOn}>Add dependency</button>
    </form>
  );
}
