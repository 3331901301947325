// Elementwise ONNX ops → Map kernels. One function per ONNX op, named like the op.
import { ConstTensor, DType, dtypeOfCode, isFloatType } from "../../onnx/tensor";
import { NodeContext } from "../context";
import { MapOp } from "../../program/isa";
import { Value, dimsOf } from "../values";
import { mapValues } from "./kernels";
import { toBool } from "./logic";

function unary(op: MapOp, params: (ctx: NodeContext) => number[] = () => []) {
  return (ctx: NodeContext): Value[] => [mapValues(ctx.b, op, [ctx.input(0)], params(ctx), ctx.name)];
}

function binary(op: MapOp) {
  return (ctx: NodeContext): Value[] => [mapValues(ctx.b, op, [ctx.input(0), ctx.input(1)], [], ctx.name)];
}

/** Variadic ops (Sum, Max, Min, Mean) fold left in input order. */
function variadic(op: MapOp, mean = false) {
  return (ctx: NodeContext): Value[] => {
    let acc = ctx.input(0);
    for (let i = 1; i < ctx.inputCount; i++) acc = mapValues(ctx.b, op, [acc, ctx.input(i)], [], `${ctx.name}/${i}`);
    if (mean) acc = mapValues(ctx.b, MapOp.Div, [acc, scalar(ctx.inputCount)], [], `${ctx.name}/mean`);
    return [acc];
  };
}

export function scalar(x: number): Value {
  return { kind: "const", t: { dtype: "float32", dims: [], data: Float32Array.of(x) } };
}

export const Add = binary(MapOp.Add);
export const Sub = binary(MapOp.Sub);
export const Mul = binary(MapOp.Mul);
/**
 * Div. Integer inputs are binary32 values, and ONNX's integer division truncates: a runtime
 * tensor known to hold integers is refused rather than divided as floats.
 */
export function Div(ctx: NodeContext): Value[] {
  for (const i of [0, 1]) {
    const v = ctx.input(i);
    if (v.kind === "tensor" && v.dtype !== undefined && v.dtype !== "bool")
      ctx.unsupported(
        `integer division of a runtime ${v.dtype} tensor is not supported (binary32 division does not truncate)`,
      );
  }
  return binary(MapOp.Div)(ctx);
}
/** Pow: a constant scalar exponent of 1, 2 or 0.5 lowers to x, x·x or √x (FO32.md defines pow so). */
export function Pow(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const y = ctx.input(1);
  if (x.kind === "tensor" && y.kind === "const" && y.t.data.length === 1 && y.t.dims.length <= dimsOf(x).length) {
    const e = y.t.data[0];
    if (e === 1) return [x];
    if (e === 2) return [mapValues(ctx.b, MapOp.Mul, [x, x], [], ctx.name)];
    if (e === 0.5) return [mapValues(ctx.b, MapOp.Sqrt, [x], [], ctx.name)];
  }
  return [mapValues(ctx.b, MapOp.Pow, [x, y], [], ctx.name)];
}
export const PRelu = binary(MapOp.PRelu);
export const Sum = variadic(MapOp.Add);
export const Max = variadic(MapOp.Max);
export const Min = variadic(MapOp.Min);
export const Mean = variadic(MapOp.Add, true);

export const Neg = unary(MapOp.Neg);
export const Abs = unary(MapOp.Abs);
export const Relu = unary(MapOp.Relu);
export const LeakyRelu = unary(MapOp.LeakyRelu, (c) => [c.float("alpha", 0.01)]);
export const HardSigmoid = unary(MapOp.HardSigmoid, (c) => [c.float("alpha", 0.2), c.float("beta", 0.5)]);
export const HardSwish = unary(MapOp.HardSwish);
export const Sigmoid = unary(MapOp.Sigmoid);
export const Tanh = unary(MapOp.Tanh);
export const Exp = unary(MapOp.Exp);
export const Log = unary(MapOp.Log);
export const Sqrt = unary(MapOp.Sqrt);
export const Erf = unary(MapOp.Erf);
export const Reciprocal = unary(MapOp.Reciprocal);
export const Floor = unary(MapOp.Floor);
export const Ceil = unary(MapOp.Ceil);
export const Round = unary(MapOp.Round);
export const Sign = unary(MapOp.Sign);
export const Softplus = unary(MapOp.Softplus);
export const Softsign = unary(MapOp.Softsign);
export const Sin = unary(MapOp.Sin);
export const Cos = unary(MapOp.Cos);
export const Elu = unary(MapOp.Elu, (c) => [c.float("alpha", 1)]);
export const Selu = unary(MapOp.Selu, (c) => [
  c.float("alpha", 1.67326319217681884765625),
  c.float("gamma", 1.05070102214813232421875),
]);

export function Gelu(ctx: NodeContext): Value[] {
  if (ctx.str("approximate", "none") !== "none") ctx.unsupported("approximate='tanh' is not supported");
  return [mapValues(ctx.b, MapOp.Gelu, [ctx.input(0)], [], ctx.name)];
}

/** Constant Clip bounds, or undefined when a bound is a runtime input (then no Clip epilogue). */
export function constClipBounds(ctx: NodeContext): [number, number] | undefined {
  if (ctx.opset >= 11 && [1, 2].some((i) => ctx.opt(i)?.kind === "tensor")) return undefined;
  return clipBounds(ctx);
}

/** Clip bounds: attributes before opset 11, constant inputs from 11 on. */
export function clipBounds(ctx: NodeContext): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.opset < 11) {
    lo = ctx.float("min", -3.4028234663852886e38);
    hi = ctx.float("max", 3.4028234663852886e38);
  } else {
    const l = ctx.opt(1);
    const h = ctx.opt(2);
    if (l) lo = ctx.constInput(1, "min").data[0];
    if (h) hi = ctx.constInput(2, "max").data[0];
  }
  return [lo, hi];
}

export function Clip(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  if (constClipBounds(ctx) === undefined) {
    // Runtime bounds: min(max(x, lo), hi), the same two FO32 operations as the Clip op.
    const lo = ctx.opt(1);
    const hi = ctx.opt(2);
    const low = lo ? mapValues(ctx.b, MapOp.Max, [x, lo], [], `${ctx.name}/min`) : x;
    return [hi ? mapValues(ctx.b, MapOp.Min, [low, hi], [], ctx.name) : low];
  }
  const [lo, hi] = clipBounds(ctx);
  if (x.kind === "const" && !isFloatType(x.t.dtype)) {
    const data = x.t.data.map((v) => Math.min(Math.max(v, lo), hi));
    return [{ kind: "const", t: { ...x.t, data } }];
  }
  return [mapValues(ctx.b, MapOp.Clip, [x], [lo, hi], ctx.name)];
}

/** Identity-like ops: the same value. */
export function Identity(ctx: NodeContext): Value[] {
  return [ctx.input(0)];
}

/** Dropout in inference is the identity; training mode (random masks) is refused. */
export function Dropout(ctx: NodeContext): Value[] {
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== "") ctx.unsupported("the mask output is not supported");
  const training = ctx.opt(2);
  if (training) {
    const t = ctx.constInput(2, "training_mode");
    const ratio = ctx.opt(1) ? ctx.constInput(1, "ratio").data[0] : 0.5;
    if (t.data[0] !== 0 && ratio !== 0)
      ctx.unsupported("training_mode=true draws random masks, which a deterministic program cannot");
  }
  return [ctx.input(0)];
}

/**
 * Cast of a runtime tensor (binary32 values): to a float type, the same values; to bool,
 * x ≠ 0 as 1 / +0; to an integer type, the same values when they are already integers of a
 * known integer or bool type (an input's, a comparison's). Truncating floats is not lowered.
 */
export function Cast(ctx: NodeContext): Value[] {
  const to: DType = dtypeOfCode(ctx.int("to", 1));
  const x = ctx.input(0);
  if (x.kind === "const") return [{ kind: "const", t: castConst(x.t, to) }];
  return [castRuntime(ctx, x, to)];
}

function castRuntime(ctx: NodeContext, x: Value & { kind: "tensor" }, to: DType): Value {
  if (isFloatType(to)) return { kind: "tensor", dims: x.dims, slot: x.slot };
  if (to === "bool") return x.dtype === "bool" ? x : toBool(ctx, x);
  // Every integer an input or a comparison holds is within ±2^24 and fits int32 / int64.
  if ((to === "int64" || to === "int32") && x.dtype !== undefined) return { ...x, dtype: to };
  ctx.unsupported(
    `casting a runtime ${x.dtype ?? "float32"} tensor to ${to} is not supported (only to float, bool, or from an integer type to int32 / int64)`,
  );
}

export function castConst(t: ConstTensor, to: DType): ConstTensor {
  if (isFloatType(to))
    return {
      dtype: "float32",
      dims: t.dims,
      data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data),
    };
  const conv = (v: number): number => {
    if (to === "bool") return v !== 0 ? 1 : 0;
    if (!Number.isFinite(v)) return 0;
    return Math.trunc(v);
  };
  return { dtype: to, dims: t.dims, data: Float64Array.from(t.data, conv) };
}

export function CastLike(ctx: NodeContext): Value[] {
  const target = ctx.input(1);
  const to: DType = target.kind === "const" ? target.t.dtype : (target.dtype ?? "float32");
  const x = ctx.input(0);
  if (x.kind === "const") return [{ kind: "const", t: castConst(x.t, to) }];
  return [castRuntime(ctx, x, to)];
}
