//! The import form's inputs, the `ImportRequest` they make, which field an engine error belongs to,
//! and the words a report is shown in (the CLI's: "imported 2 services as process-compose").

import type { ApiError } from "../../api/types/ApiError";
import type { Change } from "../../api/types/Change";
import type { ImportFormat } from "../../api/types/ImportFormat";
import type { ImportReport } from "../../api/types/ImportReport";
import type { ImportRequest } from "../../api/types/ImportRequest";
import type { SharedPort } from "../../api/types/SharedPort";

/** A format, or `""`: let the engine tell it from the file's name and content. */
export type FormatChoice = ImportFormat | "";

/** What the form holds, as typed. */
export interface ImportInputs {
  path: string;
  format: FormatChoice;
  /** Procfile only: the first process's `PORT`. */
  portBase: string;
}

export const EMPTY_INPUTS: ImportInputs = { path: "", format: "", portBase: "" };

/** The request fields an error can be shown at: the engine names them in `ApiError.field`. */
export type ImportField = "path" | "format" | "port_base";

/** Each format as people write it. */
export const FORMAT_LABELS: Record<ImportFormat, string> = {
  "process-compose": "process-compose",
  procfile: "Procfile",
  compose: "Compose",
};

/** The choices of the format select, detection first. */
export const FORMAT_CHOICES: [FormatChoice, string][] = [
  ["", "Detect automatically"],
  ...(Object.entries(FORMAT_LABELS) as [ImportFormat, string][]),
];

/** The field an engine error names, if the form has it; other errors go above the buttons. */
export function fieldOf(error: ApiError): ImportField | null {
  return error.field === "path" || error.field === "format" || error.field === "port_base" ? error.field : null;
}

/** Whether the engine detects a Procfile by the file's name (`Procfile`, `Procfile.dev`). */
function namedProcfile(path: string): boolean {
  const name = (path.trim().split("/").pop() ?? "").toLowerCase();
  return name === "procfile" || name.startsWith("procfile.");
}

/** The port base applies to Procfiles only: shown when Procfile is picked, or detection will read
 *  one (by its name, or as the last report of this path said). */
export function portBaseShown(inputs: ImportInputs, read: { path: string; format: ImportFormat } | null): boolean {
  if (inputs.format !== "") return inputs.format === "procfile";
  return namedProcfile(inputs.path) || (read !== null && read.path === inputs.path.trim() && read.format === "procfile");
}

/** The port base as a port (1–65535), or `null` when empty; anything else is refused at its field. */
function parsePortBase(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  const port = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    const error: ApiError = {
      code: "invalid_argument", message: `port base \`${t}\` is not a port: a whole number from 1 to 65535`, field: "port_base",
    };
    throw error;
  }
  return port;
}

/** The request the inputs make; a hidden port base is not sent. Throws an `ApiError` at
 *  `port_base` for one that is not a port. */
export function toRequest(inputs: ImportInputs, dryRun: boolean, withPortBase: boolean): ImportRequest {
  return {
    path: inputs.path.trim(),
    format: inputs.format === "" ? null : inputs.format,
    dry_run: dryRun,
    port_base: withPortBase ? parsePortBase(inputs.portBase) : null,
  };
}

/** Whether two requests import the same thing the same way (dry run aside). */
export function sameImport(a: ImportRequest, b: ImportRequest): boolean {
  return a.path === b.path && a.format === b.format && a.port_base === b.port_base;
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word}s`;
}

/** One line on what a report did or, for a preview, would do. */
export function reportSummary(report: ImportReport): string {
  const what = `${plural(report.applied.services.length, "service")} as ${FORMAT_LABELS[report.format]}`;
  return report.dry_run ? `Preview: would import ${what}. Nothing has changed yet.` : `Imported ${what}.`;
}

/** A change as a preview (`to create`) or a result (`created`) says it. */
export function changeText(change: Change, dryRun: boolean): string {
  if (!dryRun || change === "unchanged") return change;
  switch (change) {
    case "created":
      return "to create";
    case "updated":
      return "to update";
    case "removed":
      return "to remove";
  }
}

/** A port the import shares with other services, as the CLI warns about it. */
export function sharedPortText({ port, services }: SharedPort): string {
  return `${services.join(", ")} declare port ${port}: they cannot run at the same time.`;
}
