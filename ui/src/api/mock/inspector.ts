//! The request inspector in the mock engine, as the engine's recording proxy keeps it: a ring of
//! exchanges per tunnel (ids from 1, in the order recorded, the last 500), each recording
//! announced with `ExchangeRecorded` (its id only); `list_exchanges` with `after` and `limit`, the
//! sensitive headers masked unless `reveal`; `replay_exchange` records the answer again as a new
//! exchange marked `replay_of` (refused for a body over the cap: `invalid_argument`). A tunnel
//! that closes takes its ring with it. `recordExchange` is what a request through the tunnel does
//! (`via` a tunnel unless the fields say another local process sent it); a replay is `via` replay.

import type { BodyRecord } from "../types/BodyRecord";
import type { Exchange } from "../types/Exchange";
import type { MockEngine } from "./engine";
import { fail } from "./validate";

/** What a masked value reads as (the engine's `MASKED`). */
export const MASKED = "********";
/** Headers the engine always masks unless asked for (lower case). */
export const ALWAYS_MASKED = ["authorization", "proxy-authorization", "cookie", "set-cookie"];
/** How many exchanges a tunnel keeps. */
export const RING_CAPACITY = 500;
/** The most of each body an exchange keeps. */
export const BODY_CAP_BYTES = 64 * 1024;

/** One tunnel's ring: the last id handed out and the exchanges in the order recorded. */
interface Ring {
  lastId: number;
  items: Exchange[];
}

const rings = new WeakMap<MockEngine, Map<string, Ring>>();

function ringsOf(engine: MockEngine): Map<string, Ring> {
  let map = rings.get(engine);
  if (!map) {
    map = new Map();
    rings.set(engine, map);
  }
  return map;
}

/** The ring of `service`'s tunnel; `unknown_tunnel` when it has no tunnel (so no proxy). */
function ring(engine: MockEngine, service: string): Ring {
  engine.service(service);
  if (!engine.tunnels.some((t) => t.service === service)) {
    fail("unknown_tunnel", `\`${service}\` has no tunnel open (open one with \`nexsock tunnel open ${service}\`)`);
  }
  const map = ringsOf(engine);
  let r = map.get(service);
  if (!r) {
    r = { lastId: 0, items: [] };
    map.set(service, r);
  }
  return r;
}

/** A body as the proxy keeps it: text, its size, cut at the cap. */
export function textBody(text: string): BodyRecord {
  const size = new TextEncoder().encode(text).length;
  return { data: text.slice(0, BODY_CAP_BYTES), base64: false, size, truncated: size > BODY_CAP_BYTES };
}

/** What a request through `service`'s tunnel leaves: any field of the exchange but its id,
 *  service and replay mark (a GET / answered 200 with empty bodies unless given). */
export type Recorded = Partial<Omit<Exchange, "id" | "service" | "replay_of">>;

function push(engine: MockEngine, service: string, fields: Recorded, replayOf: number | null): Exchange {
  const r = ring(engine, service);
  r.lastId += 1;
  const exchange: Exchange = {
    id: r.lastId, service, time_ms: engine.now(), method: "GET", path: "/", status: 200, duration_ms: 1,
    client_addr: replayOf === null ? "127.0.0.1:40000" : null, via: { kind: replayOf === null ? "tunnel" : "replay" },
    error: null,
    request_headers: [], request_body: textBody(""), response_headers: [], response_body: textBody(""),
    ...fields, replay_of: replayOf,
  };
  r.items.push(exchange);
  if (r.items.length > RING_CAPACITY) r.items.splice(0, r.items.length - RING_CAPACITY);
  engine.emit({ type: "ExchangeRecorded", data: { service, exchange_id: exchange.id } });
  return exchange;
}

/** A request that came through `service`'s tunnel and its answer: recorded and announced. */
export function recordExchange(engine: MockEngine, service: string, fields: Recorded = {}): Exchange {
  return push(engine, service, fields, null);
}

/** The exchange with the sensitive headers' values masked. */
function masked(exchange: Exchange): Exchange {
  const mask = (h: { name: string; value: string }) =>
    ALWAYS_MASKED.includes(h.name.toLowerCase()) ? { ...h, value: MASKED } : h;
  return {
    ...exchange,
    request_headers: exchange.request_headers.map(mask),
    response_headers: exchange.response_headers.map(mask),
  };
}

/** `list_exchanges`: recorded after `after` (all when the ring no longer holds it), the newest
 *  `limit` of them, in the order recorded. */
export function listExchanges(
  engine: MockEngine, service: string, limit: number | null, after: number | null, reveal: boolean,
): Exchange[] {
  const { items } = ring(engine, service);
  const at = after === null ? -1 : items.findIndex((e) => e.id === after);
  const newer = items.slice(at + 1);
  const kept = limit === null ? newer : newer.slice(Math.max(0, newer.length - limit));
  return kept.map((e) => (reveal ? e : masked(e)));
}

/** `replay_exchange`: the recorded request sent again to the service, its answer recorded as a new
 *  exchange (the service answers as it did; no client address). */
export function replayExchange(engine: MockEngine, service: string, id: number, reveal: boolean): Exchange {
  const original = ring(engine, service).items.find((e) => e.id === id);
  if (!original) {
    fail("unknown_exchange", `the tunnel of \`${service}\` has no exchange ${id} (it keeps the last ${RING_CAPACITY} only; see \`nexsock tunnel requests ${service}\`)`);
  }
  if (original.request_body.truncated) {
    fail("invalid_argument", `exchange ${id} of \`${service}\` cannot be replayed: its request body (${original.request_body.size} bytes) was larger than the ${BODY_CAP_BYTES / 1024} KiB the inspector keeps`);
  }
  const { id: _id, service: _s, replay_of: _r, client_addr: _c, via: _v, time_ms: _t, ...fields } = original;
  const replay = push(engine, service, fields, id);
  return reveal ? replay : masked(replay);
}

/** A closed tunnel's proxy is gone, and its exchanges with it. */
export function dropRing(engine: MockEngine, service: string): void {
  ringsOf(engine).delete(service);
}
