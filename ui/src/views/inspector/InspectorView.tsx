//! The Inspector view (`#inspector/SERVICE`): what came through a tunnel, live. A tunnel picker,
//! "Show secrets" (reads again with `reveal`), the recorded requests (following
//! `ExchangeRecorded`), and the one picked: its headers and bodies, Replay (the new exchange is
//! picked) and Copy as curl (to the tunnel's public URL, else the service's port).

import { useEffect, useId, useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import { useTunnels } from "../tunnels/useTunnels";
import { curlBase, curlCommand } from "./curl";
import { ExchangeDetail } from "./ExchangeDetail";
import { ExchangeList } from "./ExchangeList";
import { useExchanges } from "./useExchanges";

/** How long "Copied" stays. */
const COPIED_MS = 2000;

interface Props {
  /** The service whose tunnel is inspected (from the URL hash), if one was picked. */
  service: string | null;
  /** Inspects another service's tunnel. */
  onPick: (service: string) => void;
}

export function InspectorView({ service: asked, onPick }: Props) {
  const api = useApi();
  const { tunnels } = useTunnels();
  const service = asked ?? tunnels[0]?.service ?? null;
  const [reveal, setReveal] = useState(false);
  const { exchanges, error, add } = useExchanges(service, reveal);
  const [selected, setSelected] = useState<number | null>(null);
  const [replaying, setReplaying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const pickerId = useId();
  const revealId = useId();

  useEffect(() => {
    setSelected(null);
    setActionError(null);
  }, [service]);

  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => setNotice(null), COPIED_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  const tunnel = tunnels.find((t) => t.service === service) ?? null;
  const current = exchanges?.find((e) => e.id === selected) ?? null;
  const base = tunnel ? curlBase(tunnel.public_url, tunnel.local_port) : "";
  const choices = service !== null && !tunnels.some((t) => t.service === service)
    ? [service, ...tunnels.map((t) => t.service)]
    : tunnels.map((t) => t.service);

  async function replay(id: number) {
    if (service === null) return;
    setReplaying(true);
    setActionError(null);
    try {
      const made = await api.replayExchange(service, id, reveal);
      add(made);
      setSelected(made.id);
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setReplaying(false);
    }
  }

  function copyCurl() {
    if (!current) return;
    api.copyText(curlCommand(current, base)).then(
      () => setNotice(reveal || !hasMasked(current.request_headers) ? "Copied" : "Copied (masked values as ********: Show secrets to copy them)"),
      (e) => setNotice(`Copy failed: ${errorMessage(e)}`),
    );
  }

  return (
    <section aria-labelledby="inspector-title" className="view inspector-view">
      <div className="view-header">
        <h2 id="inspector-title">Inspector{service ? `: ${service}` : ""}</h2>
      </div>
      <div className="inspector-controls">
        <label htmlFor={pickerId}>Tunnel</label>
        <select id={pickerId} value={service ?? ""} onChange={(e) => onPick(e.target.value)} disabled={choices.length === 0}>
          {choices.length === 0 && <option value="">no tunnels</option>}
          {choices.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label htmlFor={revealId}>
          <input id={revealId} type="checkbox" data-testid="inspector-reveal" checked={reveal} onChange={(e) => setReveal(e.target.checked)} />
          Show secrets
        </label>
        {tunnel?.public_url && <span className="tunnel-url">{tunnel.public_url}</span>}
      </div>
      {error && <p role="alert" className="error banner">{error}</p>}
      {service === null ? (
        <p className="empty">No tunnels: open one in Tunnels, and the requests that come through it show here.</p>
      ) : exchanges === null ? (
        <p className="empty">Reading the recorded requests…</p>
      ) : (
        <div className="inspector-panes">
          <ExchangeList service={service} exchanges={exchanges} selected={selected} onSelect={setSelected} />
          {current ? (
            <ExchangeDetail
              exchange={current}
              curlBase={base}
              replaying={replaying}
              onReplay={() => void replay(current.id)}
              onCopyCurl={copyCurl}
              notice={notice}
              error={actionError}
            />
          ) : (
            <p className="empty exchange-detail">Pick a request to see its headers and bodies.</p>
          )}
        </div>
      )}
    </section>
  );
}

function hasMasked(headers: { value: string }[]): boolean {
  return headers.some((h) => h.value === "********");
}
