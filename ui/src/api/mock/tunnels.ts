//! Tunnels in the mock engine: `open_tunnel` resolves the profile like the engine (explicit, the
//! service's, the default), "opens" with a provider-shaped public URL and `TunnelCreated`; a
//! failure leaves the tunnel listed as failed with `TunnelFailed`; a passing health check moves
//! `last_check_ms` on with `TunnelChecked`; `close_tunnel` (and stopping the service) drops it with
//! `TunnelClosed`, and its request inspector's exchanges with it.

import type { ProfileSpec } from "../types/ProfileSpec";
import type { TunnelInfo } from "../types/TunnelInfo";
import type { MockEngine } from "./engine";
import { dropRing } from "./inspector";
import { unknownProfile } from "./profiles";
import { fail } from "./validate";

const WORDS = ["amber", "bright", "cedar", "delta", "ember", "fjord", "granite", "harbor", "island", "juniper", "koala", "lumen"];

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}

function hex(digits: number): string {
  return Array.from({ length: digits }, () => Math.floor(Math.random() * 16).toString(16)).join("");
}

/** A URL shaped like the one the provider hands out. */
export function publicUrl(service: string, profile: ProfileSpec): string {
  switch (profile.provider) {
    case "ngrok":
      return profile.url ?? `https://${service}-${hex(4)}.ngrok-free.app`;
    case "cloudflared":
      return `https://${pick(WORDS)}-${pick(WORDS)}-${pick(WORDS)}.trycloudflare.com`;
    case "localtunnel":
      return `https://${pick(WORDS)}-${service}-${hex(2)}.${profile.url ? new URL(profile.url).host : "loca.lt"}`;
    case "bore":
      return `http://${(profile.server ?? "bore.pub").split(":")[0]}:${1024 + Math.floor(Math.random() * 64000)}`;
    default:
      return `https://${service}-${hex(4)}.${profile.provider}.example`;
  }
}

/** The profile a tunnel uses: `explicit`, else the service's, else the default. */
function resolveProfile(engine: MockEngine, explicit: string | null, own: string | null): ProfileSpec {
  const name = explicit ?? own ?? engine.profiles.find((p) => p.is_default)?.spec.name;
  if (name === undefined) {
    fail("invalid_profile", "no tunnel profile: add one with `nexsock profile add NAME --provider ngrok|cloudflared|localtunnel|bore`");
  }
  return engine.profiles.find((p) => p.spec.name === name)?.spec ?? unknownProfile(name);
}

/** Why the provider refuses, if it does: `failingTunnels`, or an ngrok profile without a token. */
function refusal(engine: MockEngine, service: string, profile: ProfileSpec): string | undefined {
  const forced = engine.failingTunnels.get(service);
  if (forced) return forced;
  if (profile.provider === "ngrok" && !engine.secrets.has(profile.name ?? "")) {
    return "ngrok: authentication failed: Usage of ngrok requires a verified account and authtoken (ERR_NGROK_4018)";
  }
  return undefined;
}

function replace(engine: MockEngine, info: TunnelInfo): TunnelInfo {
  const others = engine.tunnels.filter((t) => t.service !== info.service);
  engine.tunnels = [...others, info].sort((a, b) => (a.service < b.service ? -1 : 1));
  return info;
}

/** Opens `service`'s tunnel (or returns it, when already open with that profile). */
export async function openTunnel(engine: MockEngine, service: string, profileName: string | null): Promise<TunnelInfo> {
  const svc = engine.service(service);
  const port = svc.spec.port;
  if (port === null) fail("tunnel_failed", `service \`${service}\` has no port to expose: set one with --port`);
  const profile = resolveProfile(engine, profileName, svc.status.tunnel_profile);
  const current = engine.tunnels.find((t) => t.service === service);
  const same = current?.profile === profile.name ? current : undefined;
  if (same?.status === "open") return same;
  // Re-opening under the same profile keeps the old URL until the new one is there.
  replace(engine, {
    service, provider: profile.provider, profile: profile.name ?? "", public_url: same?.public_url ?? null,
    local_port: port, status: "opening", last_check_ms: same?.last_check_ms ?? null, error: null,
  });
  await engine.pause();
  const opening = engine.tunnels.find((t) => t.service === service);
  if (!opening || opening.status !== "opening") fail("tunnel_failed", `the tunnel of \`${service}\` was closed`);
  const reason = refusal(engine, service, profile);
  if (reason) {
    failTunnel(engine, service, reason);
    fail("tunnel_failed", `cannot open a tunnel for \`${service}\`: ${reason}`);
  }
  const previous = opening.public_url;
  const info = replace(engine, {
    ...opening, public_url: publicUrl(service, profile), status: "open", last_check_ms: engine.now(),
  });
  engine.emit(previous
    ? { type: "TunnelRecreated", data: { tunnel: info, previous_url: previous } }
    : { type: "TunnelCreated", data: info });
  return info;
}

/** Marks the tunnel failed (a dropped health check) and broadcasts `TunnelFailed`. */
export function failTunnel(engine: MockEngine, service: string, reason: string): TunnelInfo | undefined {
  const t = engine.tunnels.find((x) => x.service === service);
  if (!t) return undefined;
  const info = replace(engine, { ...t, status: "failed", error: reason, last_check_ms: engine.now() });
  engine.emit({ type: "TunnelFailed", data: info });
  return info;
}

/** Re-creates a tunnel under a new URL, as the engine does after a drop: `TunnelRecreated`. */
export function recreateTunnel(engine: MockEngine, service: string): TunnelInfo | undefined {
  const t = engine.tunnels.find((x) => x.service === service);
  const profile = engine.profiles.find((p) => p.spec.name === t?.profile)?.spec;
  if (!t || !profile) return undefined;
  const info = replace(engine, {
    ...t, public_url: publicUrl(service, profile), status: "open", error: null, last_check_ms: engine.now(),
  });
  engine.emit({ type: "TunnelRecreated", data: { tunnel: info, previous_url: t.public_url } });
  return info;
}

/** A passing health check of `service`'s open tunnel: `TunnelChecked` with the new check time. */
export function checkTunnel(engine: MockEngine, service: string): TunnelInfo | undefined {
  const t = engine.tunnels.find((x) => x.service === service);
  if (t?.status !== "open") return undefined;
  const info = replace(engine, { ...t, last_check_ms: engine.now() });
  engine.emit({ type: "TunnelChecked", data: info });
  return info;
}

/** One round of the engine's health checks: every open tunnel passes. */
export function checkTunnels(engine: MockEngine): void {
  for (const t of [...engine.tunnels]) checkTunnel(engine, t.service);
}

/** Closes `service`'s tunnel if it has one: it leaves the list, with `TunnelClosed`. */
export function dropTunnel(engine: MockEngine, service: string): TunnelInfo | undefined {
  const t = engine.tunnels.find((x) => x.service === service);
  if (!t) return undefined;
  engine.tunnels = engine.tunnels.filter((x) => x !== t);
  dropRing(engine, service);
  const info: TunnelInfo = { ...t, status: "closed" };
  engine.emit({ type: "TunnelClosed", data: info });
  return info;
}

/** `close_tunnel`: refused when the service has none. */
export function closeTunnel(engine: MockEngine, service: string): TunnelInfo {
  engine.service(service);
  return dropTunnel(engine, service) ?? fail("tunnel_failed", `\`${service}\` has no tunnel open`);
}

/** The tunnels as they are (check times move on with `checkTunnel`, as the engine's do). */
export function listTunnels(engine: MockEngine): TunnelInfo[] {
  return engine.tunnels;
}

/** The public URL of `service`'s tunnel while it is open (not opening, not failed), as the engine
 *  injects it; `null` otherwise. */
export function openTunnelUrl(engine: MockEngine, service: string): string | null {
  const t = engine.tunnels.find((x) => x.service === service);
  return t?.status === "open" ? t.public_url : null;
}
