//! Import another tool's file (`nexsock import`): its absolute path (the host reads it), its format
//! or detection, and for a Procfile the port base. Preview is a dry run that shows the report;
//! Apply sends the previewed request for real, so it is enabled only while the inputs are those of
//! the last successful preview. A refusal shows at the field the engine names (`path`, `format`,
//! `port_base`). The imported services reach the Services table through the engine's events.

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { errorMessage, isApiError } from "../../api";
import type { ImportFormat } from "../../api/types/ImportFormat";
import type { ImportReport } from "../../api/types/ImportReport";
import type { ImportRequest } from "../../api/types/ImportRequest";
import { useApi } from "../../ApiContext";
import { FormField } from "../services/ServiceForm";
import { ImportResult } from "./ImportResult";
import {
  EMPTY_INPUTS, FORMAT_CHOICES, fieldOf, portBaseShown, sameImport, toRequest, type FormatChoice, type ImportField,
  type ImportInputs,
} from "./importModel";

/** A successful preview and the request it answered. */
interface Preview {
  request: ImportRequest;
  report: ImportReport;
}

export function ImportPanel({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [inputs, setInputs] = useState<ImportInputs>(EMPTY_INPUTS);
  const [errors, setErrors] = useState<Partial<Record<ImportField, string>>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [result, setResult] = useState<ImportReport | null>(null);
  // The format the engine last read a path as: whether detection will read a Procfile.
  const [read, setRead] = useState<{ path: string; format: ImportFormat } | null>(null);
  const pathInput = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const applyHintId = useId();

  // Opened from a button: the path is what to type first.
  useEffect(() => pathInput.current?.focus(), []);

  const withPortBase = portBaseShown(inputs, read);
  const current = (() => {
    try {
      return toRequest(inputs, true, withPortBase);
    } catch {
      return null;
    }
  })();
  const canApply = preview !== null && current !== null && sameImport(preview.request, current);

  const set = <K extends keyof ImportInputs>(key: K) => (value: ImportInputs[K]) => setInputs((v) => ({ ...v, [key]: value }));

  async function send(request: () => ImportRequest) {
    setErrors({});
    setProblem(null);
    setBusy(true);
    try {
      const sent = request();
      const report = await api.importFile(sent);
      setRead({ path: sent.path, format: report.format });
      setPreview(report.dry_run ? { request: sent, report } : null);
      setResult(report.dry_run ? null : report);
    } catch (e) {
      // Whatever the preview said no longer holds once a request fails: preview again to apply.
      setPreview(null);
      const field = isApiError(e) ? fieldOf(e) : null;
      if (field) setErrors({ [field]: errorMessage(e) });
      else setProblem(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function previewImport(event: FormEvent) {
    event.preventDefault();
    void send(() => toRequest(inputs, true, withPortBase));
  }

  const apply = () => {
    if (preview) void send(() => ({ ...preview.request, dry_run: false }));
  };

  const shown = result ?? preview?.report ?? null;
  const stale = preview !== null && !canApply;
  return (
    <section className="import-panel" aria-labelledby="import-title">
      <h2 id="import-title">Import a file</h2>
      <form onSubmit={previewImport}>
        <div className="import-inputs">
          <FormField label="File path" error={errors.path}>
            {(id, describedBy) => (
              <input id={id} ref={pathInput} value={inputs.path} onChange={(e) => set("path")(e.target.value)}
                placeholder="/home/you/project/process-compose.yaml" spellCheck={false} autoComplete="off"
                aria-invalid={errors.path ? true : undefined}
                aria-describedby={[hintId, describedBy].filter(Boolean).join(" ")} />
            )}
          </FormField>
          <FormField label="Format" error={errors.format}>
            {(id, describedBy) => (
              <select id={id} value={inputs.format} onChange={(e) => set("format")(e.target.value as FormatChoice)}
                aria-invalid={errors.format ? true : undefined} aria-describedby={describedBy}>
                {FORMAT_CHOICES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
              </select>
            )}
          </FormField>
          {withPortBase && (
            <FormField label="Port base" error={errors.port_base}>
              {(id, describedBy) => (
                <input id={id} inputMode="numeric" value={inputs.portBase} onChange={(e) => set("portBase")(e.target.value)}
                  placeholder="5000" aria-invalid={errors.port_base ? true : undefined} aria-describedby={describedBy} />
              )}
            </FormField>
          )}
        </div>
        <p id={hintId} className="hint">
          The absolute path of a process-compose file, a Procfile or a Compose file; the engine reads it.
          {withPortBase && " With a port base, each process gets a PORT, from it up in steps of 100."}
        </p>
        {problem && <p role="alert" className="error">{problem}</p>}
        <div className="form-actions">
          <button type="submit" disabled={busy}>Preview</button>
          <button type="button" className="primary" disabled={busy || !canApply} onClick={apply}
            aria-describedby={applyHintId}>Apply</button>
          <button type="button" onClick={onClose}>Close</button>
        </div>
        <p id={applyHintId} className="hint">
          {stale
            ? "The inputs changed since the preview: preview again to apply."
            : canApply
              ? "Apply imports what the preview shows."
              : "Preview first: Apply imports what the preview shows."}
        </p>
      </form>
      {shown && <ImportResult report={shown} />}
    </section>
  );
}
