//! One recorded exchange: what it was, the request and response headers (sensitive values as the
//! engine returns them: `********` unless the secrets are shown), the bodies (JSON pretty-printed,
//! binary and cut bodies said so), and Replay and Copy as curl.

import type { BodyRecord } from "../../api/types/BodyRecord";
import type { Exchange } from "../../api/types/Exchange";
import type { HeaderField } from "../../api/types/HeaderField";
import { showBody } from "./body";
import { clock, statusClass } from "./ExchangeList";
import { localSender } from "./source";

function Headers({ label, headers }: { label: string; headers: HeaderField[] }) {
  if (headers.length === 0) return <p className="empty">No headers.</p>;
  return (
    <table className="exchange-headers" aria-label={label}>
      <tbody>
        {headers.map((h, i) => (
          <tr key={`${i}-${h.name}`}>
            <th scope="row">{h.name}</th>
            <td className={h.value === "********" ? "env-value env-placeholder" : "env-value"}>{h.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ label, body, headers }: { label: string; body: BodyRecord; headers: HeaderField[] }) {
  const shown = showBody(body, headers);
  return (
    <>
      {shown.note && <p className="body-note">{label}: {shown.note}</p>}
      {shown.text !== "" && (
        <pre className="exchange-body" aria-label={label} data-json={shown.json} tabIndex={0}>{shown.text}</pre>
      )}
    </>
  );
}

interface Props {
  exchange: Exchange;
  /** Where Copy as curl sends the request (said next to the button). */
  curlBase: string;
  replaying: boolean;
  onReplay: () => void;
  onCopyCurl: () => void;
  /** "Copied", or why not; the replay's refusal. */
  notice: string | null;
  error: string | null;
}

export function ExchangeDetail({ exchange: e, curlBase, replaying, onReplay, onCopyCurl, notice, error }: Props) {
  const sender = localSender(e.via);
  return (
    <section role="region" aria-label={`Request #${e.id}`} className="exchange-detail" data-testid="exchange-detail">
      <header className="exchange-summary">
        <h3>
          <span className="exchange-method">{e.method}</span> <span className="exchange-path">{e.path}</span>{" "}
          <span className={`badge ${statusClass(e.status)}`}>{e.status}</span>
        </h3>
        <p className="exchange-facts">
          #{e.id} at {clock(e.time_ms)} · {e.duration_ms} ms
          {e.client_addr && <> · from {e.client_addr}</>}
          {e.replay_of !== null && <> · replay of #{e.replay_of}</>}
          {sender && <> · <span className="tag state-starting">{sender.label}</span> {sender.detail}</>}
        </p>
        {e.error && <p className="error">{e.error}</p>}
        <div className="exchange-actions">
          <button type="button" disabled={replaying} onClick={onReplay}>Replay</button>
          <button type="button" onClick={onCopyCurl} title={`curl to ${curlBase}`}>Copy as curl</button>
          <span className="empty">curl to {curlBase}</span>
          <span role="status">{notice}</span>
        </div>
        {error && <p role="alert" className="error">{error}</p>}
      </header>
      <h4>Request</h4>
      <Headers label="Request headers" headers={e.request_headers} />
      <Body label="Request body" body={e.request_body} headers={e.request_headers} />
      <h4>Response</h4>
      <Headers label="Response headers" headers={e.response_headers} />
      <Body label="Response body" body={e.response_body} headers={e.response_headers} />
    </section>
  );
}
