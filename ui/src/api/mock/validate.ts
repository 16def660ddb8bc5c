//! The engine's validation rules that the UI relies on, as small named functions that throw the
//! same `ApiError` codes (and messages) as the engine.

import type { ApiError } from "../types/ApiError";
import type { ErrorCode } from "../types/ErrorCode";
import type { HealthCheck } from "../types/HealthCheck";
import type { ServiceSpec } from "../types/ServiceSpec";

/** Longest allowed service name. */
export const MAX_NAME_LEN = 64;

/** Throws the engine's typed error; `field` names the request field at fault, as the engine does. */
export function fail(code: ErrorCode, message: string, field?: string): never {
  const error: ApiError = field === undefined ? { code, message } : { code, message, field };
  throw error;
}

/** Letters, digits, `-` and `_`; 1 to 64 characters. */
export function validateName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    fail("invalid_name", `invalid service name \`${name}\`: use letters, digits, \`-\` and \`_\`, at most 64 characters`);
  }
}

/** 1–65535. */
export function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail("invalid_port", `invalid port ${port}: a port is a number from 1 to 65535`);
  }
}

/** tcp and http need a port, http a path starting with `/` without spaces or control characters, log a valid regex. */
export function validateHealth(spec: ServiceSpec): void {
  const check = spec.health;
  if (!check) return;
  if ((check.kind === "tcp" || check.kind === "http") && spec.port === null) {
    fail("invalid_health_check", `health check \`${healthText(check)}\` needs a port, and service \`${spec.name}\` has none (add --port)`);
  }
  if (check.kind === "http" && !check.path.startsWith("/")) {
    fail("invalid_health_check", `http path \`${check.path}\` must start with \`/\``);
  }
  if (check.kind === "http" && /[\s\x00-\x1f\x7f]/.test(check.path)) {
    fail("invalid_health_check", `http path \`${check.path}\` must not contain spaces or control characters`);
  }
  if (check.kind === "log") {
    try {
      new RegExp(check.pattern);
    } catch (e) {
      fail("invalid_health_check", `invalid log pattern \`${check.pattern}\`: ${(e as Error).message}`);
    }
  }
}

/** A non-empty command, sane environment keys, a positive startup timeout. */
export function validateRest(spec: ServiceSpec): void {
  if (spec.command.trim() === "") fail("invalid_argument", `service \`${spec.name}\` needs a command`, "command");
  for (const key of Object.keys(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      fail("invalid_argument", `invalid environment variable name "${key}": use letters, digits and \`_\`, not starting with a digit`, "env");
    }
  }
  if (spec.startup_timeout_secs < 1) fail("invalid_argument", "startup timeout must be at least 1 second", "startup_timeout_secs");
}

/** Every rule for a service spec, in the engine's order. */
export function validateSpec(spec: ServiceSpec): void {
  validateName(spec.name);
  if (spec.port !== null) validatePort(spec.port);
  validateRest(spec);
  validateHealth(spec);
}

/** A health check as users write it: `tcp`, `http:/path`, `exec:COMMAND`, `log:REGEX`. */
export function healthText(check: HealthCheck): string {
  switch (check.kind) {
    case "tcp":
      return "tcp";
    case "http":
      return `http:${check.path}`;
    case "exec":
      return `exec:${check.command}`;
    case "log":
      return `log:${check.pattern}`;
  }
}

/** Parses what `healthText` writes; an unknown form is `invalid_health_check`. */
export function parseHealth(text: string): HealthCheck {
  const [kind, ...rest] = text.split(":");
  const arg = rest.join(":");
  if (kind === "tcp" && rest.length === 0) return { kind: "tcp" };
  if (kind === "http" && rest.length > 0) return { kind: "http", path: arg };
  if (kind === "exec" && arg.trim() !== "") return { kind: "exec", command: arg };
  if (kind === "log" && arg !== "") return { kind: "log", pattern: arg };
  return fail("invalid_health_check", `unknown health check \`${text}\`: use tcp, http:/path, exec:COMMAND or log:REGEX`);
}
