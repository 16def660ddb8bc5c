//! Tunnel profiles in the mock engine, with the engine's rules: a profile must suit its provider
//! (bore needs a server and is the only built-in provider that takes one, URLs are http(s)), the
//! first profile becomes the default, removing the default clears it, and tokens are stored but
//! never given back. Every change is announced with `ProfilesChanged`, which carries nothing:
//! readers list them again.

import type { ProfileSpec } from "../types/ProfileSpec";
import type { MockEngine } from "./engine";
import { fail } from "./validate";

/** The built-in providers, as the engine lists them. */
export const BUILTIN_PROVIDERS = ["bore", "cloudflared", "command", "localtunnel", "ngrok"] as const;

/** The engine's refusal of a profile name it does not know. */
export function unknownProfile(name: string): never {
  return fail("invalid_profile", `no profile named \`${name}\` (see \`nexsock profile list\`)`);
}

/** A profile must be usable by its provider. */
export function validateProfile(spec: ProfileSpec): void {
  const name = spec.name ?? "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    fail("invalid_profile", `invalid profile name \`${name}\`: use letters, digits, \`-\` and \`_\``);
  }
  const bad = (why: string) => fail("invalid_profile", `profile \`${name}\`: ${why}`);
  const builtin = (BUILTIN_PROVIDERS as readonly string[]).includes(spec.provider);
  if (spec.provider === "bore" && !spec.server) bad("a bore profile needs --server HOST");
  if (builtin && spec.provider !== "bore" && spec.server) bad(`--server is for bore profiles, not ${spec.provider}`);
  if (spec.url && !/^https?:\/\//.test(spec.url)) bad(`url \`${spec.url}\` must start with https:// or http://`);
  validateCommandProfile(spec, name);
  // The mock cannot see the file system: any binary path is taken as existing.
}

/** A command profile's template (with `{port}`), pattern and token variable, each refusal naming
 *  its field; other providers take none of them. */
function validateCommandProfile(spec: ProfileSpec, name: string): void {
  const bad = (field: string, why: string) => fail("invalid_profile", `profile \`${name}\`: ${why}`, field);
  const own = { command: spec.command, url_pattern: spec.url_pattern, token_env: spec.token_env, url_timeout_secs: spec.url_timeout_secs };
  if (spec.provider !== "command") {
    for (const [field, value] of Object.entries(own)) {
      if (value != null) bad(field, `--${field.replaceAll("_", "-")} is for command profiles, not ${spec.provider}`);
    }
    return;
  }
  const template = spec.command?.trim() ?? "";
  if (template === "") bad("command", "a command profile needs --command TEMPLATE (with `{port}`)");
  if (!template.includes("{port}")) {
    bad("command", `the command \`${template}\` has no \`{port}\`: the tool must be told which port to expose`);
  }
  if (!spec.url_pattern) bad("url_pattern", "a command profile needs --url-pattern REGEX");
  try {
    new RegExp(spec.url_pattern ?? "");
  } catch (e) {
    bad("url_pattern", `invalid --url-pattern \`${spec.url_pattern}\`: ${(e as Error).message}`);
  }
  if (spec.token_env && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(spec.token_env)) {
    bad("token_env", `--token-env \`${spec.token_env}\` is not a variable name (letters, digits and \`_\`)`);
  }
  if (spec.url_timeout_secs === 0) bad("url_timeout_secs", "--url-timeout must be at least 1 second");
}

/** `add_profile`: adds or replaces; the first profile becomes the default. */
export function addProfile(engine: MockEngine, spec: ProfileSpec): void {
  if (!engine.providers.includes(spec.provider)) {
    fail("invalid_profile", `no tunnel provider \`${spec.provider}\` in this build (available: ${[...engine.providers].sort().join(", ")})`);
  }
  validateProfile(spec);
  const name = spec.name ?? "";
  const old = engine.profiles.find((p) => p.spec.name === name);
  const isDefault = old?.is_default ?? !engine.profiles.some((p) => p.is_default);
  const others = engine.profiles.filter((p) => p.spec.name !== name);
  engine.profiles = [...others, { spec, is_default: isDefault, token_set: engine.secrets.has(name) }]
    .sort((a, b) => ((a.spec.name ?? "") < (b.spec.name ?? "") ? -1 : 1));
  engine.emit({ type: "ProfilesChanged" });
}

/** `remove_profile`: its token goes too, and the default mark if it had it. */
export function removeProfile(engine: MockEngine, name: string): void {
  if (!engine.profiles.some((p) => p.spec.name === name)) unknownProfile(name);
  engine.profiles = engine.profiles.filter((p) => p.spec.name !== name);
  engine.secrets.delete(name);
  engine.emit({ type: "ProfilesChanged" });
}

/** `set_default_profile`. */
export function setDefaultProfile(engine: MockEngine, name: string): void {
  if (!engine.profiles.some((p) => p.spec.name === name)) unknownProfile(name);
  engine.profiles = engine.profiles.map((p) => ({ ...p, is_default: p.spec.name === name }));
  engine.emit({ type: "ProfilesChanged" });
}

/** `set_profile_token`: kept in the engine's "keyring"; only `token_set` is ever shown. */
export function setProfileToken(engine: MockEngine, name: string, token: string): void {
  if (!engine.profiles.some((p) => p.spec.name === name)) unknownProfile(name);
  if (token.trim() === "") fail("invalid_profile", "the token is empty");
  if (engine.keyringError) {
    fail("keyring", `cannot store the token of profile \`${name}\` in the OS keyring: ${engine.keyringError}. On Linux `
      + "this needs a running, unlocked Secret Service (gnome-keyring or KWallet) in your session; without one, set "
      + "NGROK_AUTHTOKEN in the host's environment instead");
  }
  engine.secrets.set(name, token.trim());
  engine.profiles = engine.profiles.map((p) => (p.spec.name === name ? { ...p, token_set: true } : p));
  engine.emit({ type: "ProfilesChanged" });
}
