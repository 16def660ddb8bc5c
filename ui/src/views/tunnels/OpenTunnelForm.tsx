//! Opening a tunnel: a service that has a port, and a profile (or the default one). The engine's
//! refusal (`tunnel_failed`, `invalid_profile`, `unknown_service`) shows next to the form; the
//! tunnel itself (open or failed) arrives in the list as an event.

import { useState, type FormEvent } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import { useProfiles } from "../../hooks/useProfiles";
import { useServices } from "../../hooks/useServices";

export function OpenTunnelForm() {
  const api = useApi();
  const { services } = useServices();
  const { profiles } = useProfiles();
  const [service, setService] = useState("");
  const [profile, setProfile] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const exposable = services.filter((s) => s.port !== null);
  // The first service with a port until one is picked.
  const chosen = exposable.some((s) => s.name === service) ? service : (exposable[0]?.name ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.openTunnel(chosen, profile || null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="open-tunnel" onSubmit={submit} aria-label="Open a tunnel">
      <label>
        Service
        <select value={chosen} onChange={(e) => setService(e.target.value)} disabled={exposable.length === 0}>
          {exposable.length === 0 && <option value="">no service has a port</option>}
          {exposable.map((s) => (
            <option key={s.name} value={s.name}>{s.name} (port {s.port})</option>
          ))}
        </select>
      </label>
      <label>
        Profile
        <select value={profile} onChange={(e) => setProfile(e.target.value)}>
          <option value="">default profile</option>
          {profiles.map((p) => (
            <option key={p.spec.name} value={p.spec.name}>{p.spec.name} ({p.spec.provider})</option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy || chosen === ""}>Open tunnel</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
