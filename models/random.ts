/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): small, seeded floats in [0, 1). Good enough to
 * shuffle training rows, generate evaluation files and pick injected faults; the same seed gives the
 * same stream on every run. Not for anything secret. (The demo generator has its own, sfc32 with
 * independent streams: infra/local/demo/data/prng.ts.)
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * FNV-1a, 32 bits, over a string's UTF-16 code units (the first of each character): a fast, stable
 * hash for deterministic sampling and for spreading keys over shards. Not for anything secret.
 */
export function fnv1a(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
