//! `import` in the mock engine. It reads no files and parses no YAML: it knows a few files by path
//! (`IMPORT_FILES`), each with what the engine's reader makes of it (its stack and the fields that
//! did not map) or the error it finds. Then it plans like `apply`, and commits with apply's events
//! unless it is a dry run. The refusals are the engine's: a relative path, an unreadable file, a
//! format that cannot be told, a port base for a file that is not a Procfile, each at its field.

import type { ImportFormat } from "../types/ImportFormat";
import type { ImportReport } from "../types/ImportReport";
import type { ImportRequest } from "../types/ImportRequest";
import type { Stack } from "../types/Stack";
import type { Unmapped } from "../types/Unmapped";
import type { MockEngine } from "./engine";
import { commitStack, planStack } from "./stack";
import { fail } from "./validate";

/** What a reader makes of a file: the stack to apply and what it could not map. */
export interface ImportRead {
  stack: Stack;
  unmapped: Unmapped[];
}

/** A file's fault as the reader reports it: `at` a field path or `line N`. */
export interface ImportFault {
  at: string;
  message: string;
}

/** A file the mock knows. */
export interface CannedFile {
  /** The format the engine reads it as. */
  format: ImportFormat;
  /** Whether its name or content tells that format (else the request has to name it). */
  detected: boolean;
  /** What reading it gives, with the request's port base (Procfiles only). */
  read: (portBase: number | null) => ImportRead | ImportFault;
}

/** The demo project's directory, where the canned files are. */
export const IMPORT_DIR = "/home/dev/shop";

/** `PORT` steps between a Procfile's processes, as foreman gives them. */
const PORT_STEP = 100;

/** A Procfile is simple enough to read for real: `name: command` lines, as `procfile.rs` does. */
export function readProcfile(text: string, dir: string, portBase: number | null): ImportRead | ImportFault {
  const stack: Stack = { services: {} };
  const unmapped: Unmapped[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Za-z0-9_-]+):\s*(\S.*)$/.exec(line);
    if (!match) return { at: `line ${i + 1}`, message: `\`${line}\` is not \`name: command\`` };
    const [, name, command] = match as unknown as [string, string, string];
    if (name in stack.services) return { at: `line ${i + 1}`, message: `\`${name}\` is declared twice` };
    const port = portBase === null ? null : portBase + PORT_STEP * Object.keys(stack.services).length;
    if (port === null && /\$PORT|\$\{PORT\}/.test(command)) {
      unmapped.push({
        service: name, field: "PORT",
        reason: "the command uses $PORT, which foreman sets; pass --port-base to give each process one",
      });
    }
    stack.services[name] = {
      command, cwd: dir, port, env: port === null ? {} : { PORT: String(port) }, health: null, restart: "no",
      startup_timeout: null, stop_grace: null, depends_on: {},
    };
  }
  if (Object.keys(stack.services).length === 0) return { at: "line 1", message: "no `name: command` line" };
  return { stack, unmapped };
}

/** The files the mock can import, by absolute path. */
export const IMPORT_FILES: Record<string, CannedFile> = {
  // processes: postgres (a tcp readiness probe on 5432), worker (depends on postgres, healthy),
  // with a top-level `log_location` and the worker's `availability.max_restarts`.
  [`${IMPORT_DIR}/process-compose.yaml`]: {
    format: "process-compose",
    detected: true,
    read: () => ({
      stack: {
        services: {
          postgres: {
            command: "postgres -D ./data", cwd: IMPORT_DIR, port: 5432, env: {}, health: "tcp",
            restart: "on-failure", startup_timeout: null, stop_grace: null, depends_on: {},
          },
          worker: {
            command: "python worker.py", cwd: IMPORT_DIR, port: null, env: { QUEUE: "default" }, health: null,
            restart: "always", startup_timeout: null, stop_grace: 20, depends_on: { postgres: { condition: "healthy" } },
          },
        },
      },
      unmapped: [
        {
          service: null, field: "log_location",
          reason: "nexsock writes each service's output to its own log (logs/NAME.log) and its host's to host.log",
        },
        { service: "worker", field: "availability.max_restarts", reason: "nexsock does not cap restarts" },
      ],
    }),
  },
  [`${IMPORT_DIR}/Procfile`]: {
    format: "procfile",
    detected: true,
    read: (portBase) =>
      readProcfile("rails: bundle exec rails server -p $PORT\nsidekiq: bundle exec sidekiq\n", IMPORT_DIR, portBase),
  },
  // A process-compose file whose `api` depends on a process the file does not have.
  [`${IMPORT_DIR}/broken/process-compose.yaml`]: {
    format: "process-compose",
    detected: true,
    read: () => ({ at: "processes.api.depends_on.db", message: "`db` is not a process of this file" }),
  },
};

/** What a reader of `format` says about a file in another format: it misses that format's key. */
function mismatch(format: ImportFormat): ImportFault {
  switch (format) {
    case "process-compose":
      return { at: "processes", message: "missing: a process-compose file lists its processes under `processes`" };
    case "compose":
      return { at: "services", message: "missing: a Compose file lists its services under `services`" };
    case "procfile":
      return { at: "line 1", message: "not `name: command`" };
  }
}

/** Reads the file at `request.path` as the engine would, refusing as it does. */
function read(request: ImportRequest): { format: ImportFormat; read: ImportRead } {
  const { path } = request;
  if (!path.startsWith("/")) fail("invalid_argument", `\`${path}\` is not an absolute path`, "path");
  const file = IMPORT_FILES[path];
  if (!file) fail("import_invalid", `cannot read ${path}: No such file or directory (os error 2)`, "path");
  const format = request.format ?? (file.detected ? file.format : null);
  if (format === null) {
    fail("import_invalid", `cannot tell the format of ${path}: name it with --format (process-compose, procfile or compose)`, "format");
  }
  if (request.port_base !== null && format !== "procfile") {
    fail("import_invalid", `--port-base applies to Procfiles only, and ${path} is read as ${format}`, "port_base");
  }
  const result = format === file.format ? file.read(request.port_base) : mismatch(format);
  if ("at" in result) fail("import_invalid", `${path}: ${result.at}: ${result.message}`, "path");
  return { format, read: result };
}

/** `import`: a dry run only plans; otherwise the stack is applied, all or nothing, with its events. */
export function importFile(engine: MockEngine, request: ImportRequest): ImportReport {
  const { format, read: { stack, unmapped } } = read(request);
  const plan = planStack(engine, stack);
  const applied = request.dry_run ? plan.report : commitStack(engine, plan);
  return { format, applied, unmapped, dry_run: request.dry_run };
}
