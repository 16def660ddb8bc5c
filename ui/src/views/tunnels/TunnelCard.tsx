//! One tunnel: its public URL (selectable, with a copy button and a QR code), provider and
//! profile, status as a labelled badge, when it was last checked, why it failed, a link to its
//! request inspector (`#inspector/SERVICE`), and closing it.

import { useEffect, useState } from "react";
import { errorMessage } from "../../api";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import type { TunnelStatus } from "../../api/types/TunnelStatus";
import { useApi } from "../../ApiContext";
import { QrCode } from "./QrCode";

/** How long "Copied" stays. */
const COPIED_MS = 2000;

/** The service-state colours that match each tunnel status (the text says it too). */
const BADGE: Record<TunnelStatus, string> = {
  opening: "state-starting", open: "state-ready", failed: "state-failed", closed: "state-stopped",
};

/** `checked 3 s ago`, `checked 2 min ago`, `checked 1 h ago`; `not checked yet` without a check. */
export function checkedAgo(lastCheckMs: number | null, nowMs: number): string {
  if (lastCheckMs === null) return "not checked yet";
  const secs = Math.max(0, Math.floor((nowMs - lastCheckMs) / 1000));
  if (secs < 60) return `checked ${secs} s ago`;
  if (secs < 3600) return `checked ${Math.floor(secs / 60)} min ago`;
  return `checked ${Math.floor(secs / 3600)} h ago`;
}

interface Props {
  tunnel: TunnelInfo;
  now: number;
  busy: boolean;
  onClose: (service: string) => void;
}

export function TunnelCard({ tunnel: t, now, busy, onClose }: Props) {
  const api = useApi();
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = (url: string) =>
    api.copyText(url).then(() => setCopied("Copied"), (e) => setCopied(`Copy failed: ${errorMessage(e)}`));

  return (
    <article className="tunnel-card" aria-label={`Tunnel for ${t.service}`}>
      <header className="tunnel-head">
        <h3>{t.service}</h3>
        <span className={`badge ${BADGE[t.status]}`}>{t.status}</span>
      </header>
      <div className="tunnel-body">
        {t.public_url && <QrCode text={t.public_url} />}
        <div className="tunnel-info">
          {t.public_url ? (
            <p className="tunnel-url">{t.public_url}</p>
          ) : (
            <p className="empty">No public URL yet.</p>
          )}
          {t.public_url && (
            <p className="tunnel-copy">
              <button type="button" onClick={() => void copy(t.public_url!)}>Copy URL</button>
              <span role="status">{copied}</span>
            </p>
          )}
          <dl className="tunnel-facts">
            <dt>Provider</dt>
            <dd>{t.provider}</dd>
            <dt>Profile</dt>
            <dd>{t.profile}</dd>
            <dt>Local port</dt>
            <dd>{t.local_port}</dd>
            <dt>Health</dt>
            <dd>{checkedAgo(t.last_check_ms, now)}</dd>
          </dl>
          {t.error && <p className="error">{t.error}</p>}
          <a className="inspect-link" href={`#inspector/${encodeURIComponent(t.service)}`}>Inspect requests</a>
          <button type="button" className="danger" disabled={busy} onClick={() => onClose(t.service)}>Close tunnel</button>
        </div>
      </div>
    </article>
  );
}
