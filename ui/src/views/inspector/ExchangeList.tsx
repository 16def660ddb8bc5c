//! The recorded requests of a tunnel, newest last (the order the engine recorded them): id, time,
//! method, path, status, duration, each row's button opening it in the detail pane. A request that
//! did not come through the tunnel (another local process sent it to the proxy) is marked.

import type { Exchange } from "../../api/types/Exchange";
import { localSender } from "./source";

/** The badge colours (of the service states, whose contrast is checked) a status is shown in. */
export function statusClass(status: number): string {
  if (status >= 500) return "state-failed";
  if (status >= 400) return "state-starting";
  if (status >= 300) return "state-stopping";
  return "state-ready";
}

/** `14:03:07.123`, local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

interface Props {
  service: string;
  exchanges: Exchange[];
  selected: number | null;
  onSelect: (id: number) => void;
}

export function ExchangeList({ service, exchanges, selected, onSelect }: Props) {
  if (exchanges.length === 0) {
    return <p className="empty" data-testid="exchange-list-empty">No requests yet: send one to the tunnel's public URL.</p>;
  }
  return (
    <table className="exchanges" data-testid="exchange-list">
      <caption>Requests to {service}, newest last</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {exchanges.map((e) => {
          const sender = localSender(e.via);
          return (
            <tr key={e.id} data-testid={`exchange-${e.id}`} className={selected === e.id ? "selected" : undefined}>
              <td>
                <button
                  type="button"
                  aria-pressed={selected === e.id}
                  aria-label={`Show request #${e.id}: ${e.method} ${e.path}`}
                  onClick={() => onSelect(e.id)}
                >
                  #{e.id}
                </button>
              </td>
              <td>{clock(e.time_ms)}</td>
              <td className="exchange-method">{e.method}</td>
              <td className="exchange-path">
                {e.path}
                {e.replay_of !== null && <span className="tag">replay of #{e.replay_of}</span>}
                {sender && (
                  <span className="tag state-starting" data-testid={`exchange-${e.id}-local`} title={sender.detail}>
                    {sender.label}
                  </span>
                )}
              </td>
              <td><span className={`badge ${statusClass(e.status)}`}>{e.status}</span></td>
              <td>{e.duration_ms} ms</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
