// mulberry32: the one seeded generator of the project (32-bit state, one uint32 per call).
// It lives beside the FO32 vectors because their definition depends on it; `--random-seed`
// inputs (node/io/random.ts) and the tests draw from the same function.

/** mulberry32: returns a function yielding uniform uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
