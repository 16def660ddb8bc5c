//! The profile form's values and their conversion to the contract's `ProfileSpec`, the provider
//! groups the list shows, and which field an engine error belongs to.

import type { ApiError } from "../../api/types/ApiError";
import type { ErrorCode } from "../../api/types/ErrorCode";
import type { ProfileSpec } from "../../api/types/ProfileSpec";

/** The providers the form offers: the built-ins, `command` running any tool that prints a URL. */
export const PROVIDERS = ["ngrok", "cloudflared", "localtunnel", "bore", "command"] as const;

/** One of the providers the form offers. */
export type Provider = (typeof PROVIDERS)[number];

/** The groups profiles are listed in: one per provider, and `other` for a provider an embedding
 *  program registered (never offered by the form). */
export const PROVIDER_GROUPS = [...PROVIDERS, "other"] as const;

/** One of the groups. */
export type ProviderGroup = (typeof PROVIDER_GROUPS)[number];

/** What the profile form edits, as the user typed it. */
export interface ProfileValues {
  name: string;
  provider: Provider;
  server: string;
  url: string;
  binary: string;
  /** `command` profiles: the template, the URL pattern, the token's variable, the timeout (s). */
  command: string;
  urlPattern: string;
  tokenEnv: string;
  urlTimeout: string;
}

/** A settings field an error can be shown at. */
export type SettingsField = "name" | "strategy";

/** The profile fields the engine names in its errors (`ApiError.field`) that the form shows. */
export type ProfileField = "command" | "url_pattern" | "token_env" | "url_timeout_secs";
const PROFILE_FIELDS: readonly string[] = ["command", "url_pattern", "token_env", "url_timeout_secs"];

export const EMPTY_PROFILE: ProfileValues = {
  name: "", provider: "ngrok", server: "", url: "", binary: "", command: "", urlPattern: "", tokenEnv: "", urlTimeout: "",
};

/** Where the engine's codes are shown; other codes go above the form (token errors are all at the token). */
export function fieldOf(code: ErrorCode): SettingsField | null {
  switch (code) {
    case "invalid_profile":
    case "invalid_name":
      return "name";
    case "unknown_strategy":
      return "strategy";
    default:
      return null;
  }
}

/** The command-profile field an error names, if any. */
export function profileFieldOf(error: ApiError): ProfileField | null {
  return error.field && PROFILE_FIELDS.includes(error.field) ? (error.field as ProfileField) : null;
}

/** The group a provider is listed under. */
export function groupOf(provider: string): ProviderGroup {
  return (PROVIDERS as readonly string[]).includes(provider) ? (provider as Provider) : "other";
}

/**
 * Which optional settings a provider takes: a server for bore, a URL for ngrok (a reserved one)
 * and localtunnel (its own server), a binary for the tools found on PATH; a command profile
 * takes its template, pattern, token variable and timeout instead.
 */
export function fieldsFor(provider: Provider): { server: boolean; url: boolean; binary: boolean; command: boolean } {
  return {
    server: provider === "bore",
    url: provider === "ngrok" || provider === "localtunnel",
    binary: provider !== "command",
    command: provider === "command",
  };
}

/** The spec to send; settings the provider does not take are left out. */
export function toProfileSpec(v: ProfileValues): ProfileSpec {
  const shown = fieldsFor(v.provider);
  const opt = (on: boolean, text: string) => (on && text.trim() !== "" ? text.trim() : null);
  const timeout = opt(shown.command, v.urlTimeout);
  return {
    name: v.name.trim(),
    provider: v.provider,
    url: opt(shown.url, v.url),
    server: opt(shown.server, v.server),
    binary: opt(shown.binary, v.binary),
    command: opt(shown.command, v.command),
    url_pattern: opt(shown.command, v.urlPattern),
    token_env: opt(shown.command, v.tokenEnv),
    url_timeout_secs: timeout === null ? null : Number(timeout),
  };
}

/** The form for an existing profile (one of another provider opens as ngrok's, to be replaced). */
export function fromProfileSpec(spec: ProfileSpec): ProfileValues {
  const group = groupOf(spec.provider);
  return {
    name: spec.name ?? "", provider: group === "other" ? "ngrok" : group,
    server: spec.server ?? "", url: spec.url ?? "", binary: spec.binary ?? "",
    command: spec.command ?? "", urlPattern: spec.url_pattern ?? "", tokenEnv: spec.token_env ?? "",
    urlTimeout: spec.url_timeout_secs == null ? "" : String(spec.url_timeout_secs),
  };
}

/** `url https://acme.ngrok.app`, `command ssh -R …`, … for the settings a profile has. */
export function profileDetails(spec: ProfileSpec): string[] {
  const parts: [string, string | null | undefined][] = [
    ["url", spec.url], ["server", spec.server], ["binary", spec.binary], ["command", spec.command],
    ["url pattern", spec.url_pattern], ["token in", spec.token_env],
  ];
  return parts.filter(([, value]) => value).map(([label, value]) => `${label} ${value}`);
}
