//! "At login, start": the chain the desktop app starts when it starts at login (the engine's
//! `login_chain`). The saved value shows in words and in the controls, and follows
//! `SettingsChanged` (whoever set it: this window, the CLI); Save sends `set_login_chain` with the
//! ticked services and the strategy (`null`: the default at login), "Start nothing" clears it.
//! A refusal shows at its control: `unknown_strategy` at the select, `unknown_service` and
//! `invalid_argument` at the services.

import { useEffect, useId, useState, type FormEvent } from "react";
import { errorMessage, isApiError } from "../../api";
import type { ChainRequest } from "../../api/types/ChainRequest";
import type { Settings } from "../../api/types/Settings";
import { useApi } from "../../ApiContext";
import { useServices } from "../../hooks/useServices";
import { FormField } from "../services/ServiceForm";
import { chainErrorField, describeLoginChain, withExtras, type ChainField } from "./loginChain";

export function LoginChainForm({ settings }: { settings: Settings }) {
  const api = useApi();
  const { services } = useServices();
  const servicesErrorId = useId();
  const saved = settings.login_chain;
  const [roots, setRoots] = useState<string[]>(saved?.roots ?? []);
  const [strategy, setStrategy] = useState(saved?.strategy ?? "");
  const [error, setError] = useState<{ field: ChainField; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  // A new saved chain (from here or elsewhere) is what the controls show; another setting's
  // change leaves what is being edited alone.
  const savedKey = JSON.stringify(saved);
  useEffect(() => {
    const chain = JSON.parse(savedKey) as ChainRequest | null;
    setRoots(chain?.roots ?? []);
    setStrategy(chain?.strategy ?? "");
  }, [savedKey]);

  const names = withExtras(services.map((s) => s.name), saved?.roots ?? [], roots);
  const strategies = withExtras(settings.strategies, [saved?.strategy ?? "", strategy].filter((s) => s !== ""));
  const errorAt = (field: ChainField) => (error?.field === field ? error.message : null);

  async function send(chain: ChainRequest | null) {
    setBusy(true);
    setError(null);
    try {
      // What was saved comes back as `SettingsChanged`.
      await api.setLoginChain(chain);
    } catch (e) {
      setError({ field: chainErrorField(isApiError(e) ? e.code : undefined), message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  function save(event: FormEvent) {
    event.preventDefault();
    const ordered = names.filter((n) => roots.includes(n));
    void send({ roots: ordered, strategy: strategy === "" ? null : strategy, max_concurrent: null });
  }

  const tick = (name: string, on: boolean) =>
    setRoots((current) => (on ? withExtras(current, [name]) : current.filter((n) => n !== name)));

  return (
    <form className="login-chain-form" onSubmit={save}>
      <p data-testid="login-chain" className="login-chain-now">{describeLoginChain(saved)}</p>
      <fieldset className="login-services" aria-describedby={errorAt("services") ? servicesErrorId : undefined}>
        <legend>At login, start</legend>
        {names.length === 0 ? (
          <p className="empty">No services yet.</p>
        ) : (
          <div className="checks">
            {names.map((name) => (
              <label key={name} className="check">
                <input type="checkbox" aria-label={`Start ${name} at login`} checked={roots.includes(name)}
                  onChange={(e) => tick(name, e.target.checked)} />
                {name}
              </label>
            ))}
          </div>
        )}
        {errorAt("services") && <p id={servicesErrorId} role="alert" className="field-error">{errorAt("services")}</p>}
      </fieldset>
      <FormField label="Strategy at login" error={errorAt("strategy") ?? undefined}>
        {(id, describedBy) => (
          <select id={id} value={strategy} onChange={(e) => setStrategy(e.target.value)}
            aria-invalid={errorAt("strategy") ? true : undefined} aria-describedby={describedBy}>
            <option value="">default strategy</option>
            {strategies.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        )}
      </FormField>
      <div className="form-actions">
        <button type="submit" disabled={busy || roots.length === 0}>Save login chain</button>
        <button type="button" aria-label="Start nothing at login" disabled={busy || saved === null}
          onClick={() => void send(null)}>Start nothing</button>
      </div>
      {errorAt("form") && <p role="alert" className="field-error">{errorAt("form")}</p>}
    </form>
  );
}
