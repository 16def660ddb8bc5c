//! The Tunnels view: opening a tunnel for a service, and a card per tunnel kept live by the
//! engine's tunnel events (created, failed, re-created under a new URL, checked, closed).

import { useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import { useNow } from "../../hooks/useNow";
import { OpenTunnelForm } from "./OpenTunnelForm";
import { TunnelCard } from "./TunnelCard";
import { useTunnels } from "./useTunnels";

export function TunnelsView() {
  const api = useApi();
  const { tunnels, error: loadError } = useTunnels();
  const now = useNow();
  const [closing, setClosing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function close(service: string) {
    setClosing(service);
    setError(null);
    try {
      await api.closeTunnel(service);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setClosing(null);
    }
  }

  return (
    <section aria-labelledby="tunnels-title" className="view tunnels-view">
      <div className="view-header">
        <h2 id="tunnels-title">Tunnels</h2>
      </div>
      <OpenTunnelForm />
      {(error ?? loadError) && <p role="alert" className="error banner">{error ?? loadError}</p>}
      {tunnels.length === 0 ? (
        <p className="empty">No tunnels: open one above.</p>
      ) : (
        <div className="tunnel-list">
          {tunnels.map((t) => (
            <TunnelCard key={t.service} tunnel={t} now={now} busy={closing === t.service} onClose={(s) => void close(s)} />
          ))}
        </div>
      )}
    </section>
  );
}
