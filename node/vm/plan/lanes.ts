// The JS engine's blocking: LANES output elements along one output level run their
// reductions interleaved (independent accumulators hide the add latency). Pure data.
import { Kind } from "../../program/isa";
import { InstructionPlan } from "./affine";

/** Output elements computed together by the JS engine. */
export const LANES = 4;

export interface InterleavePlan {
  /** The output level whose elements run together, or −1 (one at a time). */
  level: number;
  /** Elements per group along it (1 when level = −1). */
  count: number;
  /**
   * Loop extents of the warm-up run (a small sub-box run first so every path of the
   * kernel has type feedback): two steps of every loop, and along the lane level one full
   * group plus the remainder.
   */
  warmExtents: number[];
}

/**
 * The lane level: an output level along which the elements share every validity check of
 * the reduction (no per-lane branches). Prefer one some reduction operand does not move
 * along (one load serves every lane), then one at least LANES long, then the innermost.
 */
export function interleavePlan(p: InstructionPlan): InterleavePlan {
  const reads = p.operands.filter((o) => o.role === "reduce");
  const checks = reads.flatMap((o) => o.checks);
  let level = -1;
  let count = 1;
  if (p.kind === Kind.Dot || p.kind === Kind.Reduce) {
    let best = -Infinity;
    for (let l = 0; l < p.outputLevels; l++) {
      const n = p.levels[l].extent;
      if (n < 2 || checks.some((c) => c.form.coefs[l] !== 0)) continue;
      const score = (reads.some((o) => o.addr.coefs[l] === 0) ? 100 : 0) + (n >= LANES ? 50 : 0) + l;
      if (score > best) {
        best = score;
        level = l;
      }
    }
    if (level >= 0) count = Math.min(LANES, p.levels[level].extent);
  }
  const warmExtents = p.levels.map(({ extent: n }, l) =>
    l === level ? Math.min(n, count + (n % count)) : Math.min(n, 2),
  );
  return { level, count, warmExtents };
}
