//! Edit one dependency's options: condition, optional, tunnel mode, env alias, timeout, restart on
//! a new URL. Saving upserts the edge through the engine; its refusal is shown at the field it
//! concerns (see `edgeForm.ts`), and nothing changes until the engine accepted.

import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { errorMessage, isApiError } from "../../api";
import { CONDITIONS, TUNNEL_MODES } from "../../api/stackEdges";
import type { Condition } from "../../api/types/Condition";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { TunnelMode } from "../../api/types/TunnelMode";
import { FormField } from "../services/ServiceForm";
import { edgeFieldOf, edgeSpec, edgeValues, type EdgeField, type EdgeValues } from "./edgeForm";

interface Props {
  /** The edge as the engine holds it. */
  spec: DependencySpec;
  /** Upserts the edge; rejects with the engine's error. */
  onSave: (spec: DependencySpec) => Promise<void>;
  onClose: () => void;
}

const CONDITION_TEXT: Record<Condition, string> = {
  started: "started", healthy: "healthy", completed_successfully: "completed successfully", log_ready: "log ready",
};

export function EdgeEditor({ spec, onSave, onClose }: Props) {
  const [values, setValues] = useState<EdgeValues>(() => edgeValues(spec));
  const [errors, setErrors] = useState<Partial<Record<EdgeField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const title = `Edit dependency ${spec.service} → ${spec.depends_on}`;

  // When the stored edge changes (this form saved it, or anything else did), show what it is now.
  // Keyed by its content: a re-layout hands over an equal spec as a new object.
  const stored = JSON.stringify(spec);
  useEffect(() => setValues(edgeValues(spec)), [stored]);

  const set = <K extends keyof EdgeValues>(key: K, value: EdgeValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      await onSave(edgeSpec(spec, values));
    } catch (e) {
      const field = isApiError(e) ? edgeFieldOf(e) : null;
      if (field) setErrors({ [field]: errorMessage(e) });
      else setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") onClose();
  };
  const invalid = (field: EdgeField) => (errors[field] ? true : undefined);

  return (
    <form className="edge-editor" onSubmit={submit} onKeyDown={onKeyDown} aria-label={title}>
      <h3>{title}</h3>
      <p className="hint">{spec.service} waits for {spec.depends_on}.</p>
      <FormField label="Condition" error={errors.condition}>
        {(id, describedBy) => (
          <select id={id} value={values.condition} onChange={(e) => set("condition", e.target.value as Condition)}
            aria-invalid={invalid("condition")} aria-describedby={describedBy}>
            {CONDITIONS.map((c) => <option key={c} value={c}>{CONDITION_TEXT[c]}</option>)}
          </select>
        )}
      </FormField>
      <label className="check">
        <input type="checkbox" checked={values.optional} onChange={(e) => set("optional", e.target.checked)} />
        Optional
      </label>
      <FormField label="Tunnel mode" error={errors.tunnelMode}>
        {(id, describedBy) => (
          <select id={id} value={values.tunnelMode} onChange={(e) => set("tunnelMode", e.target.value as TunnelMode)}
            aria-invalid={invalid("tunnelMode")} aria-describedby={describedBy}>
            {TUNNEL_MODES.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        )}
      </FormField>
      <FormField label="Env alias" error={errors.envAlias}>
        {(id, describedBy) => (
          <input id={id} value={values.envAlias} onChange={(e) => set("envAlias", e.target.value)} placeholder="API_URL"
            aria-invalid={invalid("envAlias")} aria-describedby={describedBy} />
        )}
      </FormField>
      <FormField label="Timeout (seconds)" error={errors.timeout}>
        {(id, describedBy) => (
          <input id={id} inputMode="numeric" value={values.timeout} onChange={(e) => set("timeout", e.target.value)}
            placeholder="no limit" aria-invalid={invalid("timeout")} aria-describedby={describedBy} />
        )}
      </FormField>
      <label className="check">
        <input type="checkbox" checked={values.restartOnNewUrl} onChange={(e) => set("restartOnNewUrl", e.target.checked)} />
        Restart on new URL
      </label>
      {formError && <p role="alert" className="error">{formError}</p>}
      <div className="form-actions">
        {/* Not `disabled` while saving: that would drop the keyboard focus to the page. */}
        <button type="submit" className="primary" aria-disabled={busy}>Save</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </form>
  );
}
