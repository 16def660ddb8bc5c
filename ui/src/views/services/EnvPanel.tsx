//! A service's environment at its next start, under its row in the services table
//! (`<section role="region" aria-label="Environment of SERVICE">`): NAME, value and source per
//! variable, a value the engine leaves out in the CLI's words (`********` for a masked secret, the
//! tunnel's URL once it is open, the run marker set at each start). "Show secrets" asks the engine
//! again with `reveal`. Each value cell is `data-testid="env-SERVICE-VAR"`.

import { useId, useState } from "react";
import { envValueText, tunnelSource } from "../../api/env";
import type { EnvVar } from "../../api/types/EnvVar";
import { useServiceEnv } from "./useServiceEnv";

/** The id of a service's panel, for its row's `aria-controls`. */
export const envPanelId = (name: string) => `env-panel-${name}`;

/** Why a value is left out, for its cell's title. */
function whyNoValue(v: EnvVar): string | undefined {
  if (v.value !== null) return undefined;
  if (v.secret) return "A secret: Show secrets shows it";
  if (tunnelSource(v.source) !== null) return "Known once the tunnel is open (it opens at the next chain start)";
  return "nexsock sets it anew at each start";
}

export function EnvPanel({ name }: { name: string }) {
  const [reveal, setReveal] = useState(false);
  const { vars, error } = useServiceEnv(name, reveal);
  const revealId = useId();
  return (
    <section role="region" aria-label={`Environment of ${name}`} id={envPanelId(name)} className="env-panel">
      <div className="env-header">
        <span className="env-title">Environment at the next start</span>
        <label htmlFor={revealId}>
          <input
            id={revealId}
            type="checkbox"
            data-testid={`env-reveal-${name}`}
            checked={reveal}
            onChange={(e) => setReveal(e.target.checked)}
          />
          Show secrets
        </label>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {vars === null ? (
        !error && <p className="empty">Reading the environment…</p>
      ) : (
        <table className="env">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {vars.map((v, i) => (
              <tr key={`${i}-${v.name}`}>
                <th scope="row">
                  <code>{v.name}</code>
                  {v.secret && <span className="tag">secret</span>}
                </th>
                <td
                  data-testid={`env-${name}-${v.name}`}
                  className={v.value === null ? "env-value env-placeholder" : "env-value"}
                  title={whyNoValue(v)}
                >
                  {envValueText(v)}
                </td>
                <td className="env-source">{v.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
