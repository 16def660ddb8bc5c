//! Add or edit a service. The engine validates; its error is shown at the field it concerns
//! (name, port, health check), anything else above the buttons.

import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { errorMessage, isApiError } from "../../api";
import type { ProfileInfo } from "../../api/types/ProfileInfo";
import type { RestartPolicy } from "../../api/types/RestartPolicy";
import { useApi } from "../../ApiContext";
import { EMPTY_FORM, fieldOf, fromSpec, toEditedSpec, toSpec, type Field, type FormValues } from "./formModel";

interface Props {
  /** The service to edit; a new one when absent. */
  editing: string | null;
  profiles: ProfileInfo[];
  onDone: () => void;
  onCancel: () => void;
}

export function ServiceForm({ editing, profiles, onDone, onCancel }: Props) {
  const api = useApi();
  const [values, setValues] = useState<FormValues>(EMPTY_FORM);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!editing) return setValues(EMPTY_FORM);
    void api.serviceDetail(editing).then(
      (detail) => setValues(fromSpec(detail.spec, detail.status.tunnel_profile)),
      (e) => setFormError(errorMessage(e)),
    );
  }, [api, editing]);

  const set = (key: keyof FormValues) => (value: string) => setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const profile = values.tunnelProfile || null;
      if (editing) {
        const current = await api.serviceDetail(editing);
        await api.editService(toEditedSpec(values, current.spec));
        await api.configureService(editing, profile);
      } else {
        const detail = await api.addService(toSpec(values));
        if (profile) await api.configureService(detail.spec.name, profile);
      }
      onDone();
    } catch (e) {
      const field = isApiError(e) ? fieldOf(e) : null;
      if (field) setErrors({ [field]: errorMessage(e) });
      else setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const text = (key: keyof FormValues & Field | "cwd", label: string, extra: { placeholder?: string } = {}) => (
    <FormField label={label} error={errors[key as Field]}>
      {(id, describedBy) => (
        <input id={id} value={values[key]} onChange={(e) => set(key)(e.target.value)} disabled={key === "name" && editing !== null}
          aria-invalid={errors[key as Field] ? true : undefined} aria-describedby={describedBy} {...extra} />
      )}
    </FormField>
  );

  return (
    <form className="service-form" onSubmit={submit} aria-label={editing ? `Edit ${editing}` : "Add a service"}>
      <h2>{editing ? `Edit ${editing}` : "Add a service"}</h2>
      {text("name", "Name", { placeholder: "web-api" })}
      {text("command", "Command", { placeholder: "npm run dev" })}
      {text("cwd", "Directory", { placeholder: "the host's working directory" })}
      {text("port", "Port", { placeholder: "3000" })}
      {text("health", "Health check", { placeholder: "tcp, http:/health, exec:CMD, log:REGEX" })}
      <FormField label="Environment (KEY=VALUE per line)" error={errors.env}>
        {(id, describedBy) => (
          <textarea id={id} rows={3} value={values.env} onChange={(e) => set("env")(e.target.value)} aria-describedby={describedBy} />
        )}
      </FormField>
      <FormField label="Restart policy">
        {(id) => (
          <select id={id} value={values.restart} onChange={(e) => set("restart")(e.target.value as RestartPolicy)}>
            <option value="no">no</option>
            <option value="on-failure">on-failure</option>
            <option value="always">always</option>
          </select>
        )}
      </FormField>
      <FormField label="Tunnel profile">
        {(id) => (
          <select id={id} value={values.tunnelProfile} onChange={(e) => set("tunnelProfile")(e.target.value)}>
            <option value="">default</option>
            {profiles.map((p) => (
              <option key={p.spec.name} value={p.spec.name}>{p.spec.name} ({p.spec.provider})</option>
            ))}
          </select>
        )}
      </FormField>
      {formError && <p role="alert" className="error">{formError}</p>}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>{editing ? "Save" : "Add service"}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

/** A label, its control and the control's error message, tied together by ids. */
export function FormField({ label, error, children }: {
  label: string;
  error?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, error ? errorId : undefined)}
      {error && <p id={errorId} className="field-error" role="alert">{error}</p>}
    </div>
  );
}
