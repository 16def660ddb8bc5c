//! The strategies declared at run time: each with its base, priority services and bound, and a
//! Remove button; a form declares a new one over a built-in. A refusal shows at the field the
//! engine names (`name`, `base`, `priority`, `max_concurrent`); the new list comes back as
//! `SettingsChanged`, like a change made from the CLI.

import { useState, type FormEvent } from "react";
import { errorMessage, isApiError } from "../../api";
import { STRATEGIES } from "../../api/strategies";
import type { Settings } from "../../api/types/Settings";
import type { StrategySpec } from "../../api/types/StrategySpec";
import { useApi } from "../../ApiContext";
import { FormField } from "../services/ServiceForm";

type Field = "name" | "base" | "priority" | "max_concurrent";
const FIELDS: readonly string[] = ["name", "base", "priority", "max_concurrent"];

/** `base concurrent · first db, cache · at most 2` */
export function strategySummary(spec: StrategySpec): string {
  const parts = [`base ${spec.base}`];
  if (spec.priority && spec.priority.length > 0) parts.push(`first ${spec.priority.join(", ")}`);
  if (spec.max_concurrent != null) parts.push(`at most ${spec.max_concurrent}`);
  return parts.join(" · ");
}

/** The spec the form's text makes: priority split at commas, an empty bound left out. */
export function toStrategySpec(name: string, base: string, priority: string, bound: string): StrategySpec {
  const services = priority.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const max = bound.trim() === "" ? null : Number(bound);
  return { name: name.trim(), base, priority: services, max_concurrent: max };
}

export function CustomStrategies({ settings }: { settings: Settings }) {
  const api = useApi();
  const [name, setName] = useState("");
  const [base, setBase] = useState<string>("concurrent");
  const [priority, setPriority] = useState("");
  const [bound, setBound] = useState("");
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    setProblem(null);
    try {
      await api.addStrategy(toStrategySpec(name, base, priority, bound));
      setName("");
      setPriority("");
      setBound("");
    } catch (e) {
      if (isApiError(e) && e.field && FIELDS.includes(e.field)) setErrors({ [e.field as Field]: e.message });
      else setProblem(errorMessage(e));
    }
  }

  async function remove(strategy: string) {
    setProblem(null);
    try {
      await api.removeStrategy(strategy);
    } catch (e) {
      setProblem(errorMessage(e));
    }
  }

  const invalid = (field: Field) => (errors[field] ? true : undefined);
  return (
    <div className="custom-strategies">
      {settings.custom_strategies.length === 0 ? (
        <p className="empty">No custom strategies.</p>
      ) : (
        <ul className="strategy-list">
          {settings.custom_strategies.map((s) => (
            <li key={s.name} aria-label={s.name}>
              <strong>{s.name}</strong> <span className="details">{strategySummary(s)}</span>
              <button type="button" onClick={() => void remove(s.name ?? "")} aria-label={`Remove strategy ${s.name}`}>Remove</button>
            </li>
          ))}
        </ul>
      )}
      <form className="strategy-add-form" onSubmit={submit} aria-label="Add a strategy">
        <FormField label="Strategy name" error={errors.name}>
          {(id, describedBy) => (
            <input id={id} value={name} placeholder="db-first" onChange={(e) => setName(e.target.value)}
              aria-invalid={invalid("name")} aria-describedby={describedBy} />
          )}
        </FormField>
        <FormField label="Base" error={errors.base}>
          {(id, describedBy) => (
            <select id={id} value={base} onChange={(e) => setBase(e.target.value)} aria-invalid={invalid("base")} aria-describedby={describedBy}>
              {STRATEGIES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          )}
        </FormField>
        <FormField label="Start first" error={errors.priority}>
          {(id, describedBy) => (
            <input id={id} value={priority} placeholder="db, cache" onChange={(e) => setPriority(e.target.value)}
              aria-invalid={invalid("priority")} aria-describedby={describedBy} />
          )}
        </FormField>
        <FormField label="Max concurrent" error={errors.max_concurrent}>
          {(id, describedBy) => (
            <input id={id} type="number" min={1} value={bound} placeholder="no bound" onChange={(e) => setBound(e.target.value)}
              aria-invalid={invalid("max_concurrent")} aria-describedby={describedBy} />
          )}
        </FormField>
        {problem && <p role="alert" className="error">{problem}</p>}
        <button type="submit">Add strategy</button>
      </form>
    </div>
  );
}
