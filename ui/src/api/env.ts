//! The environment a service gets at its next start (`service_env`), in the engine's terms: which
//! variable names hold a secret (`EnvVar::is_secret_name`), the variable a tunnelled dependency's
//! URL is injected under (`tunnel_env_var`), and how a value the engine leaves out reads, in the
//! CLI's words (`nexsock service env`).

import type { EnvVar } from "./types/EnvVar";

/** The words a secret's name holds, as the engine lists them (matched in upper case). */
export const SECRET_WORDS: readonly string[] = [
  "TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH",
];

/** A masked secret, as the CLI prints it and the engine answers it (`MASKED_VALUE`); sent back
 *  in an edit, it keeps the stored value. */
export const MASKED = "********";
/** A tunnel's URL before the tunnel is open (known once it opens at the next chain start). */
export const TUNNEL_URL_PENDING = "(the tunnel's URL, once it is open)";
/** What nexsock sets anew at each start (the run marker, `NEXSOCK_RUN`). */
export const SET_AT_EACH_START = "(set at each start)";

/** `s` with ASCII letters in upper case only, as Rust's `to_ascii_uppercase` (so `ſ` stays `ſ`). */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** `env` with the values of secret-looking variables masked, as the engine answers it. */
export function maskSecrets(env: { [key in string]?: string }): { [key in string]?: string } {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretName(k) ? MASKED : v]));
}

/** Whether a variable of this name holds a secret: its name contains one of `SECRET_WORDS`,
 *  case-insensitively (`db_password`, `GITHUB_TOKEN`, `OAUTH_CLIENT`). */
export function isSecretName(name: string): boolean {
  const upper = asciiUpper(name);
  return SECRET_WORDS.some((word) => upper.includes(word));
}

/** The variable a dependency's tunnel URL is injected under: `NEXSOCK_TUNNEL_<DEP>_URL`, the
 *  dependency's name in upper case with anything but ASCII letters and digits as `_`. */
export function tunnelEnvVar(dependency: string): string {
  const name = Array.from(dependency, (c) => (/^[A-Za-z0-9]$/.test(c) ? c.toUpperCase() : "_")).join("");
  return `NEXSOCK_TUNNEL_${name}_URL`;
}

/** The dependency a `tunnel:<dep>` source names, else `null`. */
export function tunnelSource(source: string): string | null {
  return source.startsWith("tunnel:") ? source.slice("tunnel:".length) : null;
}

/** A variable's value as the CLI shows it: the value, or why there is none (masked, a tunnel URL
 *  not known yet, the run marker). */
export function envValueText(v: EnvVar): string {
  if (v.value !== null) return v.value;
  if (v.secret) return MASKED;
  if (tunnelSource(v.source) !== null) return TUNNEL_URL_PENDING;
  return SET_AT_EACH_START;
}
