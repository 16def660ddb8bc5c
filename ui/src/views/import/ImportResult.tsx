//! An import's report, a preview's or a real one's: a summary line, what happens to each service and
//! dependency, the ports its services would share with others (which cannot run at the same time),
//! and the fields of the file nexsock has no counterpart for ("Not mapped": the service, the field as
//! the file spells it, and why), as `nexsock import` prints them.

import type { ImportReport } from "../../api/types/ImportReport";
import { changeText, reportSummary, sharedPortText } from "./importModel";

export function ImportResult({ report }: { report: ImportReport }) {
  const { services, dependencies, shared_ports: sharedPorts } = report.applied;
  const change = (c: Parameters<typeof changeText>[0]) => (
    <td className={`change change-${c}`}>{changeText(c, report.dry_run)}</td>
  );
  return (
    <div className="import-report">
      <p role="status" className="summary">{reportSummary(report)}</p>
      {sharedPorts.length > 0 && (
        <div role="alert" className="error shared-ports">
          {sharedPorts.map((p) => <p key={p.port}>{sharedPortText(p)}</p>)}
        </div>
      )}
      <table className="import-table">
        <caption>Services</caption>
        <thead>
          <tr><th scope="col">Service</th><th scope="col">Change</th></tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.name}><th scope="row">{s.name}</th>{change(s.change)}</tr>
          ))}
        </tbody>
      </table>
      {dependencies.length === 0 ? (
        <p className="empty">No dependencies.</p>
      ) : (
        <table className="import-table">
          <caption>Dependencies</caption>
          <thead>
            <tr><th scope="col">Service</th><th scope="col">Depends on</th><th scope="col">Change</th></tr>
          </thead>
          <tbody>
            {dependencies.map((d) => (
              <tr key={`${d.service}->${d.depends_on}`}>
                <th scope="row">{d.service}</th><td>{d.depends_on}</td>{change(d.change)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.unmapped.length === 0 ? (
        <p className="empty">Every field of the file was mapped.</p>
      ) : (
        <table className="import-table unmapped">
          <caption>Not mapped ({report.unmapped.length})</caption>
          <thead>
            <tr><th scope="col">Service</th><th scope="col">Field</th><th scope="col">Why</th></tr>
          </thead>
          <tbody>
            {report.unmapped.map((u, i) => (
              <tr key={i}>
                <td>{u.service ?? <span className="top-level">top level</span>}</td>
                <td><code>{u.field}</code></td>
                <td>{u.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
