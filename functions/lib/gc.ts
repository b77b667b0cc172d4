/**
 * A full garbage collection where the runtime exposes one: Lambda's Node.js runtime starts node
 * with --expose-gc (so does bench:retrain, under the same flags); elsewhere, nothing. A function
 * that holds large phases one after another calls it between them, so its memory follows what it
 * holds rather than what V8 has yet to collect.
 */
export const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();
