// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss with constant targets (class labels
// known when the model is compiled, as a verified evaluation of fixed labelled data has
// them): the picked log-probabilities are exact selections (selectElements), the rest is
// Mul, Where and Reduce.
import { MapOp, ReduceOp } from "../../program/isa";
import { NodeContext } from "../context";
import { Value, dimsOf } from "../values";
import { gatherAxis, mapValues, reduceValue, reshapeValue } from "./kernels";
import { selectElements } from "./movement";

function num(v: number): Value {
  return { kind: "const", t: { dtype: "float32", dims: [], data: Float32Array.of(v) } };
}

/**
 * loss[n, d…] = −x[n, t, d…] · w[t] (t = target[n, d…]; 0 where t = ignore_index);
 * reduction none, sum, or mean = Σ loss / Σ w[t] over the kept targets.
 */
function nll(ctx: NodeContext, x: Value, targetInput: number, weightInput: number): Value {
  const b = ctx.b;
  const xd = dimsOf(x);
  if (xd.length < 2) ctx.fail(`input rank ${xd.length} < 2`);
  const C = xd[1];
  const t = ctx.constInput(targetInput, "target");
  const td = [xd[0], ...xd.slice(2)];
  if (t.dims.length !== td.length || t.dims.some((d, j) => d !== td[j]))
    ctx.fail(`target dims [${t.dims}] do not match [${td}]`);
  const ignore = ctx.hasAttr("ignore_index") ? ctx.int("ignore_index", 0) : undefined;
  const kept = Array.from(t.data, (v) => v !== ignore);
  const cls = Array.from(t.data, (v, i) => {
    if (!kept[i]) return 0;
    if (!(Number.isInteger(v) && v >= 0 && v < C)) ctx.fail(`target ${v} at ${i} is not a class in [0, ${C})`);
    return v;
  });
  const reduction = ctx.str("reduction", "mean");
  if (!["none", "sum", "mean"].includes(reduction)) ctx.fail(`reduction '${reduction}' is not none, sum or mean`);
  const picked = reshapeValue(
    selectElements(b, x, 1, cls, [xd[0], 1, ...xd.slice(2)], `${ctx.name}/pick`),
    td,
    ctx.name,
  );
  const mask: Value = { kind: "const", t: { dtype: "float32", dims: td, data: Float32Array.from(kept, Number) } };
  const wv = ctx.opt(weightInput);
  // w[t] per element, 0 where the target is ignored.
  const w: Value | undefined =
    wv === undefined
      ? ignore === undefined
        ? undefined
        : mask
      : mapValues(
          b,
          MapOp.Where,
          [mask, reshapeValue(gatherAxis(b, wv, 0, cls, `${ctx.name}/w`), td, ctx.name), num(0)],
          [],
          `${ctx.name}/weight`,
        );
  const neg = mapValues(b, MapOp.Neg, [picked], [], `${ctx.name}/neg`);
  const weighted = w === undefined ? neg : mapValues(b, MapOp.Mul, [neg, w], [], `${ctx.name}/mul`);
  // An ignored target's loss is +0 whatever the picked value (even ±∞ or NaN).
  const loss =
    ignore === undefined ? weighted : mapValues(b, MapOp.Where, [mask, weighted, num(0)], [], `${ctx.name}/loss`);
  if (reduction === "none") return loss;
  const all = td.map((_, j) => j);
  const total = reduceValue(b, ReduceOp.Sum, loss, all, false, `${ctx.name}/sum`);
  if (reduction === "sum") return total;
  const denominator =
    w === undefined
      ? num(kept.filter(Boolean).length)
      : reduceValue(b, ReduceOp.Sum, w, all, false, `${ctx.name}/wsum`);
  return mapValues(b, MapOp.Div, [total, denominator], [], `${ctx.name}/mean`);
}

export function NegativeLogLikelihoodLoss(ctx: NodeContext): Value[] {
  return [nll(ctx, ctx.input(0), 1, 2)];
}

/** log_prob = logsoftmax(scores) over the class axis (1); loss = nll(log_prob, labels, weights). */
export function SoftmaxCrossEntropyLoss(ctx: NodeContext): Value[] {
  const b = ctx.b;
  const x = ctx.input(0);
  const m = reduceValue(b, ReduceOp.Max, x, [1], true, `${ctx.name}/max`);
  const d = mapValues(b, MapOp.Sub, [x, m], [], `${ctx.name}/sub`);
  const e = mapValues(b, MapOp.Exp, [d], [], `${ctx.name}/exp`);
  const s = reduceValue(b, ReduceOp.Sum, e, [1], true, `${ctx.name}/sumexp`);
  const l = mapValues(b, MapOp.Log, [s], [], `${ctx.name}/log`);
  const logProb = mapValues(b, MapOp.Sub, [d, l], [], `${ctx.name}/logprob`);
  return [nll(ctx, logProb, 1, 2), logProb];
}
