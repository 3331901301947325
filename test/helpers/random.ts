// Seeded uniform floats in [0, 1) for tests (mulberry32, the same generator as --random-seed).
import { mulberry32 } from "../../node/fo32/mulberry32";

export function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
