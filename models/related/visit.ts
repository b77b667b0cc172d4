import type { BehaviourEvent } from '../../events/behaviour.ts';

/**
 * What the service remembers of a visit (`session#<sessionId>`) or of a signed-in shopper
 * (`user#<userId>`): the last few products viewed or carted, with the neighbours of each folded in
 * at write time, so that a related request needs no extra round trip to adapt to the visit.
 */
export interface VisitRecord {
  visitKey: string;
  /** Newest first, at most RECENT_MAX. */
  recent: RecentItem[];
  /** Products folded in from the recent items' neighbour lists: candidate -> weight and source. */
  candidates: SessionCandidate[];
  /** Non-consumable products this shopper bought (user records only), newest first. */
  bought: string[];
  /** Event ids already applied, newest first: a redelivered event changes nothing. */
  applied: string[];
  version: number;
  /** Epoch seconds: sessions fade after a day, users after a year of silence. */
  expiresAt: number;
}

export interface RecentItem {
  productId: string;
  kind: 'view' | 'cart';
  /** Epoch milliseconds of the event. */
  at: number;
}

export interface SessionCandidate {
  productId: string;
  weight: number;
  /** The recent product whose neighbour list brought this candidate. */
  via: string;
}

export const RECENT_MAX = 20;
export const CANDIDATES_MAX = 60;
export const BOUGHT_MAX = 200;
export const APPLIED_MAX = 200;
export const SESSION_TTL_SECONDS = 24 * 3600;
export const USER_TTL_SECONDS = 365 * 24 * 3600;
/** Neighbours taken from each recent product. */
const NEIGHBOURS_PER_RECENT = 10;
/** Older recent items count less: the visit's last few views say most about what is wanted now. */
const RECENCY_FADE = 0.8;
/** A cart says more about intent than a view. */
const CART_WEIGHT = 1.5;

export const sessionKey = (sessionId: string) => `session#${sessionId}`;
export const userKey = (userId: string) => `user#${userId}`;

export const emptyVisit = (visitKey: string): VisitRecord => ({
  visitKey,
  recent: [],
  candidates: [],
  bought: [],
  applied: [],
  version: 0,
  expiresAt: 0,
});

/** Which shopper records a batch of events touches (one per session and per user). */
export function visitKeysOf(events: readonly BehaviourEvent[]): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    if (e.type !== 'ProductViewed' && e.type !== 'ProductAddedToCart' && e.type !== 'OrderPlaced') continue;
    if (e.sessionId) keys.add(sessionKey(e.sessionId));
    if (e.userId) keys.add(userKey(e.userId));
  }
  return [...keys].sort();
}

export type NeighbourLookup = (productId: string) => readonly { productId: string; score: number }[];

/**
 * Applies the events that concern this record, once each, and refolds the candidates from the
 * recent items' neighbour lists. Pure: the caller reads and writes the record.
 */
export function applyToShopper(
  record: VisitRecord,
  events: readonly BehaviourEvent[],
  neighboursOf: NeighbourLookup,
  isConsumable: (productId: string) => boolean,
): VisitRecord {
  const isUser = record.visitKey.startsWith('user#');
  const id = record.visitKey.slice(record.visitKey.indexOf('#') + 1);
  const applied = new Set(record.applied);
  const mine = events
    .filter((e) => !applied.has(e.eventId))
    .filter((e) => (isUser ? 'userId' in e && e.userId === id : 'sessionId' in e && e.sessionId === id))
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
  if (mine.length === 0) return record;

  let recent = [...record.recent];
  let bought = [...record.bought];
  let lastAt = 0;
  for (const e of mine) {
    const at = Date.parse(e.occurredAt);
    lastAt = Math.max(lastAt, at);
    if (e.type === 'ProductViewed' || e.type === 'ProductAddedToCart') {
      const kind = e.type === 'ProductViewed' ? 'view' : 'cart';
      recent = [
        { productId: e.productId, kind, at } as RecentItem,
        ...recent.filter((r) => r.productId !== e.productId),
      ];
    } else if (e.type === 'OrderPlaced' && isUser) {
      const durable = e.lines.map((l) => l.productId).filter((p) => !isConsumable(p));
      bought = [...new Set([...durable, ...bought])];
    }
  }
  recent.sort((a, b) => b.at - a.at || (a.productId < b.productId ? -1 : 1));
  recent = recent.slice(0, RECENT_MAX);
  bought = bought.slice(0, BOUGHT_MAX);

  const ttl = isUser ? USER_TTL_SECONDS : SESSION_TTL_SECONDS;
  return {
    ...record,
    recent,
    bought,
    candidates: foldCandidates(recent, neighboursOf),
    applied: [...mine.map((e) => e.eventId).reverse(), ...record.applied].slice(0, APPLIED_MAX),
    version: record.version + 1,
    expiresAt: Math.max(record.expiresAt, Math.floor(lastAt / 1000) + ttl),
  };
}

/** The recent items' neighbours, weighted by recency and intent; each candidate keeps its best source. */
export function foldCandidates(
  recent: readonly RecentItem[],
  neighboursOf: NeighbourLookup,
): SessionCandidate[] {
  const best = new Map<string, SessionCandidate>();
  recent.forEach((item, rank) => {
    const itemWeight = RECENCY_FADE ** rank * (item.kind === 'cart' ? CART_WEIGHT : 1);
    for (const n of neighboursOf(item.productId).slice(0, NEIGHBOURS_PER_RECENT)) {
      const weight = itemWeight * n.score;
      const prev = best.get(n.productId);
      if (prev) prev.weight += weight;
      else best.set(n.productId, { productId: n.productId, weight, via: item.productId });
    }
  });
  return [...best.values()]
    .sort((a, b) => b.weight - a.weight || (a.productId < b.productId ? -1 : 1))
    .slice(0, CANDIDATES_MAX)
    .map((c) => ({ ...c, weight: Math.round(c.weight * 1e6) / 1e6 }));
}
