//! The profile form's values and their conversion to the contract's `ProfileSpec`, the provider
//! groups the list shows, and which field an engine error code belongs to.

import type { ErrorCode } from "../../api/types/ErrorCode";
import type { ProfileSpec } from "../../api/types/ProfileSpec";

/** The groups profiles are listed in; a provider that is not built in is `custom`. */
export const PROVIDER_GROUPS = ["ngrok", "cloudflared", "localtunnel", "bore", "custom"] as const;

/** One of the groups, which is also what the provider select offers. */
export type ProviderGroup = (typeof PROVIDER_GROUPS)[number];

/** What the profile form edits, as the user typed it. */
export interface ProfileValues {
  name: string;
  provider: ProviderGroup;
  /** The provider's name when `provider` is `custom`. */
  custom: string;
  server: string;
  url: string;
  binary: string;
}

/** A settings field an error can be shown at. */
export type SettingsField = "name" | "strategy";

export const EMPTY_PROFILE: ProfileValues = {
  name: "", provider: "ngrok", custom: "", server: "", url: "", binary: "",
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

/** The group a provider is listed under. */
export function groupOf(provider: string): ProviderGroup {
  return (PROVIDER_GROUPS as readonly string[]).includes(provider) && provider !== "custom"
    ? (provider as ProviderGroup)
    : "custom";
}

/**
 * Which optional settings a provider takes: a server for bore, a URL for ngrok (a reserved one)
 * and localtunnel (its own server); a custom provider may take either.
 */
export function fieldsFor(provider: ProviderGroup): { server: boolean; url: boolean } {
  return {
    server: provider === "bore" || provider === "custom",
    url: provider === "ngrok" || provider === "localtunnel" || provider === "custom",
  };
}

/** The spec to send; settings the provider does not take are left out. */
export function toProfileSpec(v: ProfileValues): ProfileSpec {
  const shown = fieldsFor(v.provider);
  const opt = (on: boolean, text: string) => (on && text.trim() !== "" ? text.trim() : null);
  return {
    name: v.name.trim(),
    provider: v.provider === "custom" ? v.custom.trim() : v.provider,
    url: opt(shown.url, v.url),
    server: opt(shown.server, v.server),
    binary: opt(true, v.binary),
  };
}

/** The form for an existing profile. */
export function fromProfileSpec(spec: ProfileSpec): ProfileValues {
  const group = groupOf(spec.provider);
  return {
    name: spec.name ?? "", provider: group, custom: group === "custom" ? spec.provider : "",
    server: spec.server ?? "", url: spec.url ?? "", binary: spec.binary ?? "",
  };
}

/** `url https://acme.ngrok.app`, `server bore.example.com`, … for the settings a profile has. */
export function profileDetails(spec: ProfileSpec): string[] {
  const parts: [string, string | null | undefined][] = [
    ["url", spec.url], ["server", spec.server], ["binary", spec.binary],
  ];
  return parts.filter(([, value]) => value).map(([label, value]) => `${label} ${value}`);
}
