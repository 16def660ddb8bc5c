//! Add or edit a tunnel profile. Editing sends `add_profile` again, which replaces it (its token
//! and default mark stay). A name or provider refusal shows at the name field; a `command`
//! profile's refusal at the field the engine names (template, URL pattern, token variable).

import { useState, type FormEvent } from "react";
import { errorMessage, isApiError } from "../../api";
import type { ProfileSpec } from "../../api/types/ProfileSpec";
import { useApi } from "../../ApiContext";
import { FormField } from "../services/ServiceForm";
import {
  EMPTY_PROFILE, fieldOf, fieldsFor, fromProfileSpec, profileFieldOf, PROVIDERS, toProfileSpec, type Provider, type ProfileField,
  type ProfileValues,
} from "./profileModel";

interface Props {
  /** The profile to edit; a new one when absent. */
  editing: ProfileSpec | null;
  onDone: () => void;
  onCancel: () => void;
}

export function ProfileForm({ editing, onDone, onCancel }: Props) {
  const api = useApi();
  const [values, setValues] = useState<ProfileValues>(editing ? fromProfileSpec(editing) : EMPTY_PROFILE);
  const [nameError, setNameError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<ProfileField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const shown = fieldsFor(values.provider);
  const title = editing ? `Edit ${editing.name}` : "Add a profile";

  const set = (key: keyof ProfileValues) => (value: string) => setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setNameError(null);
    setFieldErrors({});
    setFormError(null);
    setBusy(true);
    try {
      await api.addProfile(toProfileSpec(values));
      onDone();
    } catch (e) {
      const field = isApiError(e) ? profileFieldOf(e) : null;
      if (isApiError(e) && field) setFieldErrors({ [field]: e.message });
      else if (isApiError(e) && fieldOf(e.code) === "name") setNameError(e.message);
      else setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  type TextKey = "server" | "url" | "binary" | "command" | "urlPattern" | "tokenEnv" | "urlTimeout";
  const text = (key: TextKey, label: string, placeholder: string, field?: ProfileField) => {
    const error = field ? fieldErrors[field] : undefined;
    return (
      <FormField label={label} error={error}>
        {(id, describedBy) => (
          <input id={id} value={values[key]} placeholder={placeholder} onChange={(e) => set(key)(e.target.value)}
            aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
        )}
      </FormField>
    );
  };

  return (
    <form className="service-form profile-form" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      <FormField label="Name" error={nameError ?? undefined}>
        {(id, describedBy) => (
          <input id={id} value={values.name} placeholder="personal" disabled={editing !== null}
            onChange={(e) => set("name")(e.target.value)} aria-invalid={nameError ? true : undefined} aria-describedby={describedBy} />
        )}
      </FormField>
      <FormField label="Provider">
        {(id) => (
          <select id={id} value={values.provider} onChange={(e) => set("provider")(e.target.value as Provider)}>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>{p}</option>
            ))}
          </select>
        )}
      </FormField>
      {shown.server && text("server", "Server", "bore.example.com")}
      {shown.url && text("url", "URL", values.provider === "localtunnel" ? "https://your-localtunnel-server" : "https://reserved.example.com")}
      {shown.binary && text("binary", "Binary", "found on PATH when empty")}
      {shown.command && (
        <>
          {text("command", "Command", "ssh -R 80:{host}:{port} nokey@localhost.run", "command")}
          {text("urlPattern", "URL pattern", "(https://\\S+\\.lhr\\.life)", "url_pattern")}
          {text("tokenEnv", "Token variable", "none: the tool gets no token", "token_env")}
          {text("urlTimeout", "URL timeout (s)", "30", "url_timeout_secs")}
        </>
      )}
      {formError && <p role="alert" className="error">{formError}</p>}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>{editing ? "Save profile" : "Add profile"}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
