//! The default start strategy: every strategy the engine knows (custom ones included), the
//! current default selected. A refusal (`unknown_strategy`) shows at the select; the new default
//! comes back as `SettingsChanged`, which selects it here (and in every other window).

import { useEffect, useState, type FormEvent } from "react";
import { errorMessage } from "../../api";
import type { Settings } from "../../api/types/Settings";
import { useApi } from "../../ApiContext";
import { FormField } from "../services/ServiceForm";

export function StrategyForm({ settings }: { settings: Settings }) {
  const api = useApi();
  const [strategy, setStrategy] = useState(settings.default_strategy);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => setStrategy(settings.default_strategy), [settings.default_strategy]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(null);
    try {
      await api.setDefaultStrategy(strategy);
      setSaved(`Chains that name no strategy now use ${strategy}.`);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <form className="strategy-form" onSubmit={submit}>
      <FormField label="Default strategy" error={error ?? undefined}>
        {(id, describedBy) => (
          <select id={id} value={strategy} onChange={(e) => setStrategy(e.target.value)}
            aria-invalid={error ? true : undefined} aria-describedby={describedBy}>
            {settings.strategies.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        )}
      </FormField>
      <button type="submit" disabled={strategy === settings.default_strategy}>Save strategy</button>
      <span role="status">{saved}</span>
    </form>
  );
}
