// Deterministic random inputs from a seed, so `--random-seed n` names the same tensors on
// every machine and in every language that reimplements the generator.
//
// Generator: mulberry32 (32-bit state; each call yields a uint32, divided by 2^32 to give
// u ∈ [0, 1)). One generator per run, seeded with the seed as a uint32; inputs are filled
// in input order, elements in row-major order.
// Distributions (each value rounded to binary32):
//   uniform: -1 + 2u, in [-1, 1)
//   normal:  standard normal N(0, 1) by Box–Muller: from u1, u2 (two calls),
//            sqrt(-2 ln(1 - u1)) · cos(2π u2); one value per pair of calls.
// Integer and bool inputs (whatever the distribution): ⌊2u⌋ ∈ {0, 1}, one call per value,
// which is a valid index, mask or flag for any model.
import { product } from "../program/isa";
import { RefereeError } from "../errors";
import { mulberry32 } from "../fo32/mulberry32";
import type { InputSpec } from "./inputs";

export type RandomDistribution = "uniform" | "normal";
export const RANDOM_DISTRIBUTIONS: readonly RandomDistribution[] = ["uniform", "normal"];

/** Random inputs for `specs` from `seed` (see the header comment for the exact definition). */
export function randomInputs(
  specs: readonly InputSpec[],
  seed: number,
  dist: RandomDistribution = "uniform",
): Float32Array[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RefereeError("USAGE", `--random-seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const next = mulberry32(seed);
  const unit = () => next() / 4294967296;
  const sample =
    dist === "uniform"
      ? () => -1 + 2 * unit()
      : () => {
          const u1 = unit();
          const u2 = unit();
          return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        };
  return specs.map((spec) => {
    const data = new Float32Array(product(spec.dims));
    const draw = spec.elemType === undefined ? sample : () => Math.floor(2 * unit());
    for (let i = 0; i < data.length; i++) data[i] = draw();
    return data;
  });
}
