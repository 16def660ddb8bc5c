//! The add/edit form's values, their conversion to the contract's spec and stack entry, and which
//! field an engine error code belongs to.

import type { ApiError } from "../../api/types/ApiError";
import type { ErrorCode } from "../../api/types/ErrorCode";
import type { HealthCheck } from "../../api/types/HealthCheck";
import type { RestartPolicy } from "../../api/types/RestartPolicy";
import type { ServiceSpec } from "../../api/types/ServiceSpec";

/** What the form edits, as the user typed it. */
export interface FormValues {
  name: string;
  command: string;
  cwd: string;
  port: string;
  /** `KEY=VALUE` lines. */
  env: string;
  /** `tcp`, `http:/path`, `exec:COMMAND`, `log:REGEX`, or empty. */
  health: string;
  restart: RestartPolicy;
  /** A profile name; empty for the default profile. */
  tunnelProfile: string;
}

/** A form field an error can be shown at. */
export type Field = "name" | "port" | "health" | "command" | "cwd" | "env";

export const EMPTY_FORM: FormValues = {
  name: "", command: "", cwd: "", port: "", env: "", health: "", restart: "no", tunnelProfile: "",
};

/** Where an engine error is shown: by its code, else at the field it names; others go above the form. */
export function fieldOf(error: ApiError): Field | null {
  if (error.field === "command" || error.field === "cwd" || error.field === "env") return error.field;
  switch (error.code) {
    case "invalid_name":
    case "duplicate_service":
      return "name";
    case "invalid_port":
      return "port";
    case "invalid_health_check":
      return "health";
    default:
      return null;
  }
}

function localError(code: ErrorCode, message: string): never {
  const error: ApiError = { code, message };
  throw error;
}

/** The port as a number for the engine to validate; text that is not a whole number is refused here. */
function parsePort(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  if (!/^-?\d+$/.test(t)) localError("invalid_port", `invalid port ${t}: a port is a number from 1 to 65535`);
  return Number(t);
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf("=");
    if (at <= 0) localError("invalid_argument", `environment line \`${line}\` is not KEY=VALUE`);
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** The health check the user wrote; an unknown form is `invalid_health_check`. */
function parseHealth(text: string): HealthCheck | null {
  const t = text.trim();
  if (t === "") return null;
  const colon = t.indexOf(":");
  const [kind, arg] = colon < 0 ? [t, ""] : [t.slice(0, colon), t.slice(colon + 1)];
  if (kind === "tcp" && colon < 0) return { kind: "tcp" };
  if (kind === "http" && colon >= 0) return { kind: "http", path: arg };
  if (kind === "exec" && arg.trim() !== "") return { kind: "exec", command: arg };
  if (kind === "log" && arg !== "") return { kind: "log", pattern: arg };
  return localError("invalid_health_check", `unknown health check \`${t}\`: use tcp, http:/path, exec:COMMAND or log:REGEX`);
}

function healthText(check: HealthCheck | null): string {
  if (!check) return "";
  switch (check.kind) {
    case "tcp": return "tcp";
    case "http": return `http:${check.path}`;
    case "exec": return `exec:${check.command}`;
    case "log": return `log:${check.pattern}`;
  }
}

/** A new service's spec. Throws an `ApiError` for input that cannot even be sent. */
export function toSpec(v: FormValues): ServiceSpec {
  return {
    name: v.name.trim(), command: v.command, cwd: v.cwd.trim() || null, port: parsePort(v.port),
    env: parseEnv(v.env), health: parseHealth(v.health), restart: v.restart,
    startup_timeout_secs: 30, stop_grace_secs: 10,
  };
}

/** An existing service's definition with the form's changes; its timeouts kept. Masked secret
 *  values go back as they came, so the engine keeps the stored ones. */
export function toEditedSpec(v: FormValues, old: ServiceSpec): ServiceSpec {
  return { ...toSpec(v), startup_timeout_secs: old.startup_timeout_secs, stop_grace_secs: old.stop_grace_secs };
}

/** The form for an existing service (secret-looking values arrive masked). */
export function fromSpec(spec: ServiceSpec, tunnelProfile: string | null): FormValues {
  return {
    name: spec.name, command: spec.command, cwd: spec.cwd ?? "", port: spec.port == null ? "" : String(spec.port),
    env: Object.entries(spec.env).map(([k, val]) => `${k}=${val}`).join("\n"),
    health: healthText(spec.health), restart: spec.restart, tunnelProfile: tunnelProfile ?? "",
  };
}
