// Quantization and the remaining suite ops that lower onto existing kernels: QuantizeLinear,
// DequantizeLinear, Compress (constant condition), ReduceProd of a runtime tensor (a chain
// of Mul steps), BitShift and the window functions (constants only).
import { ConstTensor, DType, isFloatType } from "../../onnx/tensor";
import { Kind, MapOp } from "../../program/isa";
import { NodeContext, normAxis } from "../context";
import { OperandSpec, Value, dimsOf } from "../values";
import { gatherAxis, mapValues, reshapeValue } from "./kernels";

/** A per-axis parameter (1-D, length of `axis`) shaped to broadcast against rank `rank`. */
function alongAxis(v: Value, axis: number, rank: number, name: string): Value {
  const d = dimsOf(v);
  if (d.length !== 1 || rank <= 1) return v;
  return reshapeValue(v, [d[0], ...new Array<number>(rank - axis - 1).fill(1)], name);
}

const SATURATION: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

/** y = saturate(round_half_even(x / scale) + zero_point). */
export function QuantizeLinear(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const rank = dimsOf(x).length;
  // The axis only places a 1-D (per-axis) scale; a scalar one broadcasts whatever the rank.
  const axis = rank > 1 ? normAxis(ctx, ctx.int("axis", 1), rank) : 0;
  const scale = alongAxis(ctx.input(1), axis, rank, ctx.name);
  const zp = ctx.opt(2);
  const zpType: DType = zp?.kind === "const" ? zp.t.dtype : "uint8";
  const range = SATURATION[zpType];
  if (!range) ctx.unsupported(`zero point type ${zpType} is not supported`);
  const q = mapValues(
    ctx.b,
    MapOp.Round,
    [mapValues(ctx.b, MapOp.Div, [x, scale], [], `${ctx.name}/div`)],
    [],
    `${ctx.name}/round`,
  );
  const shifted = zp ? mapValues(ctx.b, MapOp.Add, [q, alongAxis(zp, axis, rank, ctx.name)], [], `${ctx.name}/zp`) : q;
  return [mapValues(ctx.b, MapOp.Clip, [shifted], range, ctx.name)];
}

/** y = (x − zero_point) · scale. */
export function DequantizeLinear(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const rank = dimsOf(x).length;
  // The axis only places a 1-D (per-axis) scale; a scalar one broadcasts whatever the rank.
  const axis = rank > 1 ? normAxis(ctx, ctx.int("axis", 1), rank) : 0;
  const zp = ctx.opt(2);
  const toFloat = (v: Value): Value =>
    v.kind === "const" && !isFloatType(v.t.dtype)
      ? { kind: "const", t: { dtype: "float32", dims: v.t.dims, data: Float32Array.from(v.t.data) } }
      : v;
  const centred = zp
    ? mapValues(ctx.b, MapOp.Sub, [toFloat(x), toFloat(alongAxis(zp, axis, rank, ctx.name))], [], `${ctx.name}/zp`)
    : toFloat(x);
  return [mapValues(ctx.b, MapOp.Mul, [centred, alongAxis(ctx.input(1), axis, rank, ctx.name)], [], ctx.name)];
}

/** Compress with a constant condition: the selected slices along `axis` (of the flattened input without one). */
export function Compress(ctx: NodeContext): Value[] {
  let x = ctx.input(0);
  const cond = ctx.constInput(1, "condition");
  let axis = 0;
  if (ctx.hasAttr("axis")) axis = normAxis(ctx, ctx.int("axis", 0), dimsOf(x).length);
  else x = reshapeValue(x, [dimsOf(x).reduce((p, d) => p * d, 1)], ctx.name);
  const n = dimsOf(x)[axis];
  const picked: number[] = [];
  for (let i = 0; i < Math.min(n, cond.data.length); i++) if (cond.data[i] !== 0) picked.push(i);
  if (picked.length === 0) ctx.unsupported("an empty result is not supported");
  return [gatherAxis(ctx.b, x, axis, picked, ctx.name)];
}

/** ReduceProd of a runtime tensor: x₀ · x₁ · … over the reduced elements, one Mul step each. */
export function reduceProdRuntime(ctx: NodeContext, x: Value, axes: number[], keep: boolean): Value {
  const xd = dimsOf(x);
  const kept = xd.map((_, j) => j).filter((j) => !axes.includes(j));
  const iterDims = kept.map((j) => xd[j]);
  const red = axes.map((j) => xd[j]);
  const K = red.reduce((p, d) => p * d, 1);
  if (K > 1024) ctx.unsupported(`a product over ${K} elements is longer than the 1024 Mul steps it is lowered to`);
  const n = iterDims.length;
  const slice = (k: number): OperandSpec => {
    const at = new Array<number>(red.length);
    let rest = k;
    for (let j = red.length - 1; j >= 0; j--) {
      at[j] = rest % red[j];
      rest = Math.floor(rest / red[j]);
    }
    const coef = new Array<number>(xd.length * n).fill(0);
    kept.forEach((j, i) => (coef[j * n + i] = 1));
    return { value: x, dims: xd, offset: xd.map((_, j) => (axes.includes(j) ? at[axes.indexOf(j)] : 0)), coef };
  };
  const eye = (v: Value): OperandSpec => ({
    value: v,
    dims: iterDims,
    offset: new Array<number>(n).fill(0),
    coef: iterDims.flatMap((_, j) => iterDims.map((__, i) => (i === j ? 1 : 0))),
  });
  let acc: Value =
    K === 1
      ? ctx.b.kernel(
          { kind: Kind.Move, op: 0, params: [0], iterDims, redDims: [], inputs: [slice(0)] },
          iterDims,
          ctx.name,
        )
      : ctx.b.kernel(
          { kind: Kind.Map, op: MapOp.Mul, params: [], iterDims, redDims: [], inputs: [slice(0), slice(1)] },
          iterDims,
          `${ctx.name}/1`,
        );
  for (let k = 2; k < K; k++) {
    acc = ctx.b.kernel(
      { kind: Kind.Map, op: MapOp.Mul, params: [], iterDims, redDims: [], inputs: [eye(acc), slice(k)] },
      iterDims,
      `${ctx.name}/${k}`,
    );
  }
  return reshapeValue(acc, keep ? xd.map((d, j) => (axes.includes(j) ? 1 : d)) : iterDims, ctx.name);
}

/** BitShift of constant unsigned integers (the shifted-out bits of LEFT wrap as the type does). */
export function BitShift(ctx: NodeContext): Value[] {
  const x = ctx.constInput(0, "X");
  const y = ctx.constInput(1, "Y");
  const bits = { uint8: 8, uint16: 16, uint32: 32, uint64: 64 }[x.dtype as string];
  if (bits === undefined) ctx.fail(`BitShift of ${x.dtype} is not defined`);
  const left = ctx.str("direction", "") === "LEFT";
  const mod = 2n ** BigInt(bits);
  const n = Math.max(x.data.length, y.data.length);
  if (x.data.length !== n && x.data.length !== 1) ctx.unsupported("broadcasting beyond a scalar is not supported");
  if (y.data.length !== n && y.data.length !== 1) ctx.unsupported("broadcasting beyond a scalar is not supported");
  const data = Float64Array.from({ length: n }, (_, i) => {
    const a = BigInt(x.data[x.data.length === 1 ? 0 : i]);
    const s = BigInt(y.data[y.data.length === 1 ? 0 : i]);
    return Number(left ? (a << s) % mod : a >> s);
  });
  const dims = x.data.length === n ? x.dims : y.dims;
  const t: ConstTensor = { dtype: x.dtype, dims, data };
  return [{ kind: "const", t }];
}

/** The generalized cosine windows: Σ_j (−1)^j a_j cos(2πjn/N), N = size (periodic) or size − 1. */
function cosineWindow(coefs: number[]) {
  return (ctx: NodeContext): Value[] => {
    const size = ctx.constInput(0, "size").data[0];
    if (!(Number.isInteger(size) && size >= 1)) ctx.fail(`size ${size} is not a positive integer`);
    const N = ctx.int("periodic", 1) !== 0 ? size : size - 1;
    const data = Float32Array.from({ length: size }, (_, n) =>
      coefs.reduce((s, a, j) => s + (j % 2 ? -a : a) * Math.cos((2 * Math.PI * j * n) / N), 0),
    );
    return [{ kind: "const", t: { dtype: "float32", dims: [size], data } }];
  };
}

export const HannWindow = cosineWindow([0.5, 0.5]);
export const HammingWindow = cosineWindow([25 / 46, 21 / 46]);
export const BlackmanWindow = cosineWindow([0.42, 0.5, 0.08]);
