//! The Services view: the live table, smart start and batch actions over the selection, and the
//! add/edit form. Batch start is one `StartChain` over the selection with the chosen strategy. The
//! table follows the engine's events: what this window, the CLI or the tray adds, changes or
//! removes shows without a reload. A service waiting to start shows who holds its port, with a way
//! to free it (`usePortHolders`). "Import file" opens the import panel (`nexsock import`), whose
//! services arrive in the table by the same events.

import { useRef, useState } from "react";
import { errorMessage, isApiError } from "../../api";
import { useApi } from "../../ApiContext";
import { useNow } from "../../hooks/useNow";
import { useProfiles } from "../../hooks/useProfiles";
import { useServices } from "../../hooks/useServices";
import { useStrategies } from "../../hooks/useStrategies";
import { ImportPanel } from "../import/ImportPanel";
import type { ChainPlan } from "../../api/types/ChainPlan";
import { ExecutionProgress } from "./ExecutionProgress";
import { PlanPanel } from "./PlanPanel";
import { ServiceForm } from "./ServiceForm";
import { ServiceTable } from "./ServiceTable";
import { SmartStart } from "./SmartStart";
import { usePortHolders } from "./usePortHolders";

type FormState = { editing: string | null } | null;

export function ServicesView() {
  const api = useApi();
  const { services, error: loadError } = useServices();
  const now = useNow();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const settings = useStrategies();
  // The engine's default until the user picks one.
  const [picked, setPicked] = useState<string | null>(null);
  const strategy = picked ?? settings.default_strategy;
  const [maxConcurrent, setMaxConcurrent] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<FormState>(null);
  const [importing, setImporting] = useState(false);
  const [plan, setPlan] = useState<ChainPlan | null>(null);
  const importButton = useRef<HTMLButtonElement>(null);
  const { profiles } = useProfiles();
  const ports = usePortHolders(services);

  // A tag narrows the table, and what Smart start all starts, to that group.
  const [tag, setTag] = useState("");
  const tags = [...new Set(services.flatMap((s) => s.tags ?? []))].sort();
  const shown = tag === "" ? services : services.filter((s) => (s.tags ?? []).includes(tag));
  const names = shown.map((s) => s.name);
  const chosen = names.filter((n) => selected.has(n));

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
      // A start refused because its port is held: show who holds it in the row.
      if (isApiError(e) && e.code === "port_in_use") ports.reread();
    } finally {
      setBusy(false);
    }
  }

  const limitOrThrow = () => {
    const limit = maxConcurrent.trim() === "" ? null : Number(maxConcurrent);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw new Error("Max concurrency must be a whole number of at least 1.");
    return limit;
  };

  const startChain = (roots: string[]) =>
    run(async () => {
      const limit = limitOrThrow();
      setPlan(null);
      await api.startChain({ roots, strategy, max_concurrent: limit });
    });

  const planChain = (roots: string[]) =>
    run(async () => setPlan(await api.planChain({ roots, strategy, max_concurrent: limitOrThrow() })));

  const toggle = (name: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  const remove = (name: string) =>
    run(async () => {
      await api.removeService(name);
      setSelected((s) => new Set([...s].filter((n) => n !== name)));
    });

  return (
    <section aria-labelledby="services-title" className="view">
      <div className="view-header">
        <h2 id="services-title">Services</h2>
        <div className="form-actions">
          <button type="button" ref={importButton} onClick={() => setImporting(true)} aria-expanded={importing}>
            Import file
          </button>
          <button type="button" onClick={() => setForm({ editing: null })}>New service</button>
        </div>
      </div>
      <SmartStart
        strategy={strategy}
        strategies={settings.strategies}
        maxConcurrent={maxConcurrent}
        onStrategy={setPicked}
        onMaxConcurrent={setMaxConcurrent}
        selectedCount={chosen.length}
        busy={busy}
        onSmartStart={() => startChain(names)}
        onPlan={() => planChain(names)}
        onStartSelected={() => startChain(chosen)}
        onStopSelected={() => run(async () => void (await Promise.all(chosen.map((n) => api.stopService(n, false)))))}
        onRestartSelected={() => run(async () => void (await Promise.all(chosen.map((n) => api.restartService(n, true)))))}
      />
      {tags.length > 0 && (
        <label className="tag-filter">
          Tag{" "}
          <select value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">all services</option>
            {tags.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
      )}
      {(error ?? loadError) && <p role="alert" className="error banner">{error ?? loadError}</p>}
      {plan && <PlanPanel plan={plan} onClose={() => setPlan(null)} />}
      <ExecutionProgress />
      <ServiceTable
        services={shown}
        selected={selected}
        onToggle={toggle}
        onToggleAll={() => setSelected(chosen.length === names.length ? new Set() : new Set(names))}
        onEdit={(name) => setForm({ editing: name })}
        onRemove={remove}
        ports={ports}
        now={now}
      />
      {form && (
        <ServiceForm
          editing={form.editing}
          profiles={profiles}
          onCancel={() => setForm(null)}
          onDone={() => setForm(null)}
        />
      )}
      {importing && (
        <ImportPanel
          onClose={() => {
            setImporting(false);
            importButton.current?.focus();
          }}
        />
      )}
    </section>
  );
}
