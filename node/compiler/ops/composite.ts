// ONNX ops whose definition is a composition of ops Referee already has (ONNX's own function
// bodies where it gives one), lowered as that sequence of Maps and Reduces: each step is an
// ordinary instruction, so the FO32 result is fixed by the composition written here.
import { NodeContext, normAxis } from "../context";
import { MapOp, ReduceOp } from "../../program/isa";
import { Value, dimsOf } from "../values";
import { mapValues, reduceValue } from "./kernels";
import { scalar } from "./elementwise";

/** Celu(x) = alpha · Elu(x / alpha) with Elu's alpha = 1 (ONNX's function body). */
export function Celu(ctx: NodeContext): Value[] {
  const alpha = Math.fround(ctx.float("alpha", 1));
  const b = ctx.b;
  const scaled = mapValues(b, MapOp.Div, [ctx.input(0), scalar(alpha)], [], `${ctx.name}/div`);
  const elu = mapValues(b, MapOp.Elu, [scaled], [1], `${ctx.name}/elu`);
  return [mapValues(b, MapOp.Mul, [elu, scalar(alpha)], [], ctx.name)];
}

/** (exp(x) ± exp(−x)) / 2: Sinh with −, Cosh with +. */
function hyperbolic(ctx: NodeContext, op: MapOp.Sub | MapOp.Add): Value[] {
  const b = ctx.b;
  const x = ctx.input(0);
  const ex = mapValues(b, MapOp.Exp, [x], [], `${ctx.name}/exp`);
  const neg = mapValues(b, MapOp.Neg, [x], [], `${ctx.name}/neg`);
  const emx = mapValues(b, MapOp.Exp, [neg], [], `${ctx.name}/expneg`);
  const sum = mapValues(b, op, [ex, emx], [], `${ctx.name}/sum`);
  return [mapValues(b, MapOp.Mul, [sum, scalar(0.5)], [], ctx.name)];
}

export function Sinh(ctx: NodeContext): Value[] {
  return hyperbolic(ctx, MapOp.Sub);
}

export function Cosh(ctx: NodeContext): Value[] {
  return hyperbolic(ctx, MapOp.Add);
}

/** Tan(x) = Sin(x) / Cos(x). */
export function Tan(ctx: NodeContext): Value[] {
  const b = ctx.b;
  const x = ctx.input(0);
  const s = mapValues(b, MapOp.Sin, [x], [], `${ctx.name}/sin`);
  const c = mapValues(b, MapOp.Cos, [x], [], `${ctx.name}/cos`);
  return [mapValues(b, MapOp.Div, [s, c], [], ctx.name)];
}

/**
 * MeanVarianceNormalization, ONNX's function body: (x − E[x]) / (sqrt(E[x²] − E[x]²) + 1e-9)
 * over `axes` (default [0, 2, 3]).
 */
export function MeanVarianceNormalization(ctx: NodeContext): Value[] {
  const b = ctx.b;
  const x = ctx.input(0);
  const rank = dimsOf(x).length;
  const axes = [...new Set((ctx.ints("axes") ?? [0, 2, 3]).map((a) => normAxis(ctx, a, rank)))].sort((p, q) => p - q);
  const mean = reduceValue(b, ReduceOp.Mean, x, axes, true, `${ctx.name}/mean`);
  const meanSq = mapValues(b, MapOp.Mul, [mean, mean], [], `${ctx.name}/mean2`);
  const sq = mapValues(b, MapOp.Mul, [x, x], [], `${ctx.name}/x2`);
  const sqMean = reduceValue(b, ReduceOp.Mean, sq, axes, true, `${ctx.name}/ex2`);
  const variance = mapValues(b, MapOp.Sub, [sqMean, meanSq], [], `${ctx.name}/var`);
  const std = mapValues(b, MapOp.Sqrt, [variance], [], `${ctx.name}/std`);
  const centered = mapValues(b, MapOp.Sub, [x, mean], [], `${ctx.name}/center`);
  const denom = mapValues(b, MapOp.Add, [std, scalar(1e-9)], [], `${ctx.name}/eps`);
  return [mapValues(b, MapOp.Div, [centered, denom], [], ctx.name)];
}
