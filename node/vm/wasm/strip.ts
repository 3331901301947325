// Strip-mining of a kernel plan with no outer loop: threads split a kernel by the units of
// its outermost output loop (emitter.ts driverSplit), so an elementwise Map whose levels
// merged into one lane level (e.g. an activation over a whole [1, 240, 12, 80] tensor) would
// run on one thread. Its lane level of extent n is cut into q strips of n / q elements: a new
// outer level of extent q (coefficient: the lane coefficient × n / q) around a lane level of
// extent n / q. Each element is still computed by the same code from the same operands, so
// the result is unchanged; only the loop that reaches it is split.
import type { Form } from "../plan/affine";
import type { VectorOperand, VectorPlan } from "../plan/vector";

/** Elements below which a plan is left alone (splitting it would not pay). */
const MIN_ELEMENTS = 1 << 15;
/** Most strips: enough for threads to share them evenly, few enough to stay cheap. */
const MAX_STRIPS = 16;

/**
 * The plan with its lane level strip-mined into up to MAX_STRIPS outer units, or the plan
 * itself when it has an outer loop already, a reduction, row blocks or checks, or its lane
 * level does not divide into whole lane groups.
 */
export function stripMined(plan: VectorPlan): VectorPlan {
  const lane = plan.lane;
  if (plan.outerLevels.length > 0 || lane === null || plan.checks.length > 0 || plan.rows !== null) return plan;
  if (plan.reductionLevels.length > 0 || plan.reads.length > 0) return plan;
  const n = plan.levels[lane.level].extent;
  if (n < MIN_ELEMENTS || lane.interior[0] !== 0 || lane.interior[1] !== n) return plan;
  const group = 4 * Math.max(1, ...lane.segments.map((s) => s.vectors));
  if (n % group !== 0) return plan;
  const groups = n / group;
  let q = Math.min(MAX_STRIPS, groups);
  while (groups % q !== 0) q--;
  if (q < 2) return plan;
  const strip = n / q;
  const L = plan.levels.length; // the new level's index (appended: no index moves)
  const cut = (f: Form): Form => ({ offset: f.offset, coefs: [...f.coefs, f.coefs[lane.level] * strip] });
  const operands = new Map<VectorOperand, VectorOperand>(plan.operands.map((o) => [o, { ...o, addr: cut(o.addr) }]));
  const U = group / 4;
  return {
    ...plan,
    levels: plan.levels
      .map((l, i) => (i === lane.level ? { ...l, extent: strip } : l))
      .concat([{ extent: q, reduction: false }]),
    out: cut(plan.out),
    operands: plan.operands.map((o) => operands.get(o)!),
    reads: [],
    elementReads: plan.elementReads.map((o) => operands.get(o)!),
    outputLevels: [L, ...plan.outputLevels],
    lane: {
      level: lane.level,
      interior: [0, strip],
      segments: [
        { from: 0, to: 0, vectors: 0 },
        { from: 0, to: strip, vectors: U },
        { from: strip, to: strip, vectors: 1 },
        { from: strip, to: strip, vectors: 0 },
      ],
    },
    outerLevels: [L],
  };
}
