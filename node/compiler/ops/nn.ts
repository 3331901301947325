// Neural-network ONNX ops: products (MatMul, Gemm, Conv) → Dot; pooling and reductions →
// Reduce; normalizations and Softmax → Reduce + Map compositions (their order is part of
// the program semantics, docs/PROTOCOL.md).
import { add, div, mul, sqrt, sub } from "../../fo32";
import { NodeContext, normAxis } from "../context";
import { broadcastOperand } from "../builder";
import { Kind, MapOp, ReduceOp, Space, product } from "../../program/isa";
import { OperandSpec, Value, dimsOf } from "../values";
import { broadcastShapes, mapValues, reduceValue } from "./kernels";
import { scalar } from "./elementwise";

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

export function MatMul(ctx: NodeContext): Value[] {
  const a = ctx.input(0);
  const bv = ctx.input(1);
  const ad = dimsOf(a);
  const bd = dimsOf(bv);
  if (ad.length === 0 || bd.length === 0) ctx.fail("MatMul operands must have rank ≥ 1");
  const M = ad.length === 1 ? 1 : ad[ad.length - 2];
  const K = ad[ad.length - 1];
  const Kb = bd.length === 1 ? bd[0] : bd[bd.length - 2];
  const N = bd.length === 1 ? 1 : bd[bd.length - 1];
  if (K !== Kb) ctx.fail(`inner dimensions differ: [${ad}] × [${bd}]`);
  const batchA = ad.slice(0, Math.max(0, ad.length - 2));
  const batchB = bd.slice(0, Math.max(0, bd.length - 2));
  const batch = broadcastShapes([batchA, batchB], ctx.name);
  const iterDims = [...batch, M, N];
  const n = iterDims.length + 1;
  const rIdx = n - 1;
  const mIdx = batch.length;
  const nIdx = batch.length + 1;
  const operand = (v: Value, dims: number[], isA: boolean): OperandSpec => {
    const coef = zeros(dims.length * n);
    const bdims = dims.length >= 2 ? dims.slice(0, dims.length - 2) : [];
    const shift = batch.length - bdims.length;
    bdims.forEach((d, j) => {
      if (d !== 1) coef[j * n + j + shift] = 1;
    });
    if (dims.length === 1) coef[rIdx] = 1;
    else {
      const r0 = dims.length - 2;
      const r1 = dims.length - 1;
      if (isA) {
        coef[r0 * n + mIdx] = 1;
        coef[r1 * n + rIdx] = 1;
      } else {
        coef[r0 * n + rIdx] = 1;
        coef[r1 * n + nIdx] = 1;
      }
    }
    return { value: v, dims, offset: zeros(dims.length), coef };
  };
  const outDims = [...batch, ...(ad.length > 1 ? [M] : []), ...(bd.length > 1 ? [N] : [])];
  return [
    ctx.b.kernel(
      {
        kind: Kind.Dot,
        op: MapOp.None,
        params: [],
        iterDims,
        redDims: [K],
        inputs: [operand(a, ad, true), operand(bv, bd, false)],
      },
      outDims,
      ctx.name,
    ),
  ];
}

export function Gemm(ctx: NodeContext): Value[] {
  const a = ctx.input(0);
  const bv = ctx.input(1);
  const c = ctx.opt(2);
  const transA = ctx.int("transA", 0) !== 0;
  const transB = ctx.int("transB", 0) !== 0;
  const alpha = Math.fround(ctx.float("alpha", 1));
  const beta = Math.fround(ctx.float("beta", 1));
  const ad = dimsOf(a);
  const bd = dimsOf(bv);
  if (ad.length !== 2 || bd.length !== 2) ctx.fail(`Gemm needs 2-D A and B, got [${ad}] and [${bd}]`);
  const [M, K] = transA ? [ad[1], ad[0]] : ad;
  const [Kb, N] = transB ? [bd[1], bd[0]] : bd;
  if (K !== Kb) ctx.fail(`inner dimensions differ: A [${ad}] (transA=${+transA}) × B [${bd}] (transB=${+transB})`);
  const n = 3;
  const aCoef = transA ? [0, 0, 1, 1, 0, 0] : [1, 0, 0, 0, 0, 1];
  const bCoef = transB ? [0, 1, 0, 0, 0, 1] : [0, 0, 1, 0, 1, 0];
  const inputs: OperandSpec[] = [
    { value: a, dims: ad, offset: [0, 0], coef: aCoef },
    { value: bv, dims: bd, offset: [0, 0], coef: bCoef },
  ];
  let bias = c;
  if (bias && beta !== 1) bias = mapValues(ctx.b, MapOp.Mul, [bias, scalar(beta)], [], `${ctx.name}/beta`);
  if (bias && beta === 0) bias = undefined;
  if (bias && alpha === 1) {
    const cd = dimsOf(bias);
    broadcastShapes([cd, [M, N]], ctx.name);
    inputs.push(broadcastOperand(bias, cd, 2, 1));
  }
  void n;
  let y = ctx.b.kernel(
    { kind: Kind.Dot, op: MapOp.None, params: [], iterDims: [M, N], redDims: [K], inputs },
    [M, N],
    ctx.name,
  );
  if (alpha !== 1) {
    y = mapValues(ctx.b, MapOp.Mul, [y, scalar(alpha)], [], `${ctx.name}/alpha`);
    if (bias) y = mapValues(ctx.b, MapOp.Add, [y, bias], [], `${ctx.name}/bias`);
  }
  return [y];
}

interface Window {
  out: number[];
  padBegin: number[];
  padEnd: number[];
  strides: number[];
  dilations: number[];
}

/** Output size and pads of a sliding window (Conv, pools), including auto_pad and ceil_mode. */
function slidingWindow(ctx: NodeContext, spatial: number[], kernel: number[], ceilMode: boolean): Window {
  const sp = spatial.length;
  const strides = ctx.ints("strides") ?? new Array<number>(sp).fill(1);
  const dilations = ctx.ints("dilations") ?? new Array<number>(sp).fill(1);
  const pads = ctx.ints("pads") ?? new Array<number>(2 * sp).fill(0);
  const autoPad = ctx.str("auto_pad", "NOTSET");
  const padBegin = pads.slice(0, sp);
  const padEnd = pads.slice(sp, 2 * sp);
  const out: number[] = [];
  for (let j = 0; j < sp; j++) {
    const ext = dilations[j] * (kernel[j] - 1) + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const o = Math.ceil(spatial[j] / strides[j]);
      const total = Math.max(0, (o - 1) * strides[j] + ext - spatial[j]);
      padBegin[j] = autoPad === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
      padEnd[j] = total - padBegin[j];
      out.push(o);
    } else {
      if (autoPad === "VALID") {
        padBegin[j] = 0;
        padEnd[j] = 0;
      } else if (autoPad !== "NOTSET") ctx.fail(`unknown auto_pad '${autoPad}'`);
      const span = spatial[j] + padBegin[j] + padEnd[j] - ext;
      let o = (ceilMode ? Math.ceil(span / strides[j]) : Math.floor(span / strides[j])) + 1;
      // A window must start inside the input or its left padding.
      if (ceilMode && (o - 1) * strides[j] >= spatial[j] + padBegin[j]) o--;
      if (o <= 0)
        ctx.fail(`window of ${kernel[j]} (dilation ${dilations[j]}) does not fit input size ${spatial[j]} with pads`);
      out.push(o);
    }
  }
  return { out, padBegin, padEnd, strides, dilations };
}

/** Instruction index → weight and bias slots of a Conv, for BatchNormalization folding. */
const convWeights = new WeakMap<object, { w: number; bias?: number; channels: number }>();

export function Conv(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const xd = dimsOf(x);
  const wd = dimsOf(w);
  if (xd.length < 3 || wd.length !== xd.length)
    ctx.fail(`Conv needs X [N,C,...] and W [M,C/group,...] of equal rank, got [${xd}] and [${wd}]`);
  const kernel = ctx.ints("kernel_shape") ?? wd.slice(2);
  const win = slidingWindow(ctx, xd.slice(2), kernel, false);
  return [convDot(ctx, x, w, ctx.opt(2), ctx.int("group", 1), kernel, win)];
}

/** The Dot of a convolution: iterDims [N, G, M/G, *out], redDims [C/G, *kernel]. */
function convDot(
  ctx: NodeContext,
  x: Value,
  w: Value,
  bias: Value | undefined,
  G: number,
  kernel: number[],
  win: Window,
): Value {
  const xd = dimsOf(x);
  const wd = dimsOf(w);
  const [Nb, C] = xd;
  const M = wd[0];
  const Cg = wd[1];
  if (C !== Cg * G || M % G !== 0) ctx.fail(`channels do not match: X has ${C}, W [${wd}] with group ${G}`);
  const sp = xd.length - 2;
  const Mg = M / G;
  const iterDims = [Nb, G, Mg, ...win.out];
  const redDims = [Cg, ...kernel];
  const n = iterDims.length + redDims.length;
  const rBase = iterDims.length;
  const xCoef = zeros(xd.length * n);
  xCoef[0] = 1;
  xCoef[1 * n + 1] = Cg;
  xCoef[1 * n + rBase] = 1;
  const xOff = zeros(xd.length);
  for (let j = 0; j < sp; j++) {
    xCoef[(2 + j) * n + 3 + j] = win.strides[j];
    xCoef[(2 + j) * n + rBase + 1 + j] = win.dilations[j];
    xOff[2 + j] = -win.padBegin[j];
  }
  const wCoef = zeros(wd.length * n);
  wCoef[1] = Mg;
  wCoef[2] = 1;
  wCoef[1 * n + rBase] = 1;
  for (let j = 0; j < sp; j++) wCoef[(2 + j) * n + rBase + 1 + j] = 1;
  const inputs: OperandSpec[] = [
    { value: x, dims: xd, offset: xOff, coef: xCoef },
    { value: w, dims: wd, offset: zeros(wd.length), coef: wCoef },
  ];
  if (bias) {
    const bCoef = zeros(n);
    bCoef[1] = Mg;
    bCoef[2] = 1;
    inputs.push({ value: bias, dims: [M], offset: [0], coef: bCoef });
  }
  // A Conv with constant weights gets its own weight slots, so BatchNormalization can fold into them.
  const ownW =
    w.kind === "const" && x.kind === "tensor"
      ? ctx.b.addWeight(`${ctx.name}/W`, Float32Array.from(w.t.data))
      : undefined;
  const ownB =
    ownW && bias && bias.kind === "const"
      ? ctx.b.addWeight(`${ctx.name}/B`, Float32Array.from(bias.t.data))
      : undefined;
  if (ownW) inputs[1] = { ...inputs[1], value: { kind: "tensor", dims: wd, slot: ownW } };
  if (ownB) inputs[2] = { ...inputs[2], value: { kind: "tensor", dims: [M], slot: ownB } };
  const y = ctx.b.kernel(
    { kind: Kind.Dot, op: MapOp.None, params: [], iterDims, redDims, inputs },
    [Nb, M, ...win.out],
    ctx.name,
  );
  const ins = ctx.b.producer(y);
  if (ins && ownW && (!bias || ownB)) convWeights.set(ins, { w: ownW.index, bias: ownB?.index, channels: M });
  return y;
}

/**
 * ConvTranspose = Conv (stride 1, same dilation) of the zero-interleaved input with the
 * flipped, channel-transposed kernel. Zero interleaving is a Move whose source is valid only
 * at phase 0 of each stride (a size-1 guard dim), so the pad value 0 fills the gaps.
 */
export function ConvTranspose(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const wv = ctx.input(1);
  const xd = dimsOf(x);
  const wd = dimsOf(wv);
  if (xd.length < 3 || wd.length !== xd.length)
    ctx.fail(`ConvTranspose needs X [N,C,...] and W [C,M/group,...] of equal rank, got [${xd}] and [${wd}]`);
  if (wv.kind !== "const") ctx.unsupported("W (input 1) must be a compile-time constant");
  const sp = xd.length - 2;
  const G = ctx.int("group", 1);
  const [Nb, C] = xd;
  const Mg = wd[1];
  const Cg = C / G;
  if (wd[0] !== C || !Number.isInteger(Cg)) ctx.fail(`channels do not match: X has ${C}, W [${wd}] with group ${G}`);
  const kernel = ctx.ints("kernel_shape") ?? wd.slice(2);
  const strides = ctx.ints("strides") ?? new Array<number>(sp).fill(1);
  const dilations = ctx.ints("dilations") ?? new Array<number>(sp).fill(1);
  const outPad = ctx.ints("output_padding") ?? new Array<number>(sp).fill(0);
  const outputShape = ctx.ints("output_shape");
  const autoPad = ctx.str("auto_pad", "NOTSET");
  let pads = ctx.ints("pads") ?? new Array<number>(2 * sp).fill(0);
  if (outputShape || autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * sp).fill(0);
    for (let j = 0; j < sp; j++) {
      const target = outputShape ? outputShape[outputShape.length - sp + j] : xd[2 + j] * strides[j];
      const total = strides[j] * (xd[2 + j] - 1) + outPad[j] + (kernel[j] - 1) * dilations[j] + 1 - target;
      const small = Math.floor(total / 2);
      pads[j] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[sp + j] = total - pads[j];
    }
  }
  // Zero-interleave X: [N, C, S*s] with X at phase 0 of every stride.
  let up = x;
  if (strides.some((s) => s > 1)) {
    const iterDims = [Nb, C];
    if (sp) xd.slice(2).forEach((d, j) => iterDims.push(d, strides[j]));
    const n = iterDims.length;
    const dims = [...new Array<number>(sp).fill(1), ...xd];
    const coef = zeros(dims.length * n);
    for (let j = 0; j < sp; j++) coef[j * n + 3 + 2 * j] = 1; // guard: phase must be 0
    coef[sp * n + 0] = 1;
    coef[(sp + 1) * n + 1] = 1;
    for (let j = 0; j < sp; j++) coef[(sp + 2 + j) * n + 2 + 2 * j] = 1;
    const upDims = [Nb, C, ...xd.slice(2).map((d, j) => d * strides[j])];
    up = ctx.b.kernel(
      {
        kind: Kind.Move,
        op: 0,
        params: [0],
        iterDims,
        redDims: [],
        inputs: [{ value: x, dims, offset: zeros(dims.length), coef }],
      },
      upDims,
      `${ctx.name}/upsampled`,
    );
  }
  // W'[g·Mg + mo, ci, t] = W[g·Cg + ci, mo, k−1−t].
  const M = Mg * G;
  const per = kernel.reduce((p, q) => p * q, 1);
  const src = wv.t.data;
  const wf = new Float32Array(M * Cg * per);
  const kStrides = kernel.map((_, j) => kernel.slice(j + 1).reduce((p, q) => p * q, 1));
  for (let g = 0; g < G; g++)
    for (let mo = 0; mo < Mg; mo++)
      for (let ci = 0; ci < Cg; ci++)
        for (let t = 0; t < per; t++) {
          let flipped = 0;
          let rem = t;
          for (let j = 0; j < sp; j++) {
            const c = Math.floor(rem / kStrides[j]);
            rem -= c * kStrides[j];
            flipped += (kernel[j] - 1 - c) * kStrides[j];
          }
          wf[((g * Mg + mo) * Cg + ci) * per + t] = src[((g * Cg + ci) * Mg + mo) * per + flipped];
        }
  const w: Value = { kind: "const", t: { dtype: "float32", dims: [M, Cg, ...kernel], data: wf } };
  const padBegin: number[] = [];
  const padEnd: number[] = [];
  const out: number[] = [];
  for (let j = 0; j < sp; j++) {
    const ext = dilations[j] * (kernel[j] - 1);
    padBegin.push(ext - pads[j]);
    padEnd.push(ext - pads[sp + j] + outPad[j] - (strides[j] - 1));
    const o = strides[j] * (xd[2 + j] - 1) + outPad[j] + ext + 1 - pads[j] - pads[sp + j];
    if (o <= 0) ctx.fail("output size would be empty");
    out.push(o);
  }
  return [
    convDot(ctx, up, w, ctx.opt(2), G, kernel, {
      out,
      padBegin,
      padEnd,
      strides: new Array<number>(sp).fill(1),
      dilations,
    }),
  ];
}

export function BatchNormalization(ctx: NodeContext): Value[] {
  if (ctx.int("training_mode", 0) !== 0) ctx.unsupported("training_mode=1 is not supported");
  if (ctx.node.outputs.slice(1).some((o) => o !== "")) ctx.unsupported("running mean/var outputs are not supported");
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const C = xd[1];
  const eps = Math.fround(ctx.float("epsilon", 1e-5));
  const params = [1, 2, 3, 4].map((i) => ctx.input(i));
  if (params.some((p) => p.kind !== "const")) {
    // Runtime statistics: the same formula, as Map kernels over [C, 1, …].
    const shape = [C, ...new Array<number>(xd.length - 2).fill(1)];
    const [sc, bb, mu, vr] = params.map((p) =>
      p.kind === "const"
        ? { kind: "const" as const, t: { ...p.t, dims: shape } }
        : { kind: "tensor" as const, dims: shape, slot: p.slot },
    );
    const b = ctx.b;
    const sd = mapValues(
      b,
      MapOp.Sqrt,
      [mapValues(b, MapOp.Add, [vr, scalar(eps)], [], `${ctx.name}/ve`)],
      [],
      `${ctx.name}/sd`,
    );
    const av = mapValues(b, MapOp.Div, [sc, sd], [], `${ctx.name}/a`);
    const cv = mapValues(
      b,
      MapOp.Sub,
      [bb, mapValues(b, MapOp.Mul, [mu, av], [], `${ctx.name}/ma`)],
      [],
      `${ctx.name}/c`,
    );
    return [mapValues(b, MapOp.Add, [mapValues(b, MapOp.Mul, [x, av], [], `${ctx.name}/scale`), cv], [], ctx.name)];
  }
  const [scale, beta, mean, variance] = params.map((p) => (p.kind === "const" ? p.t.data : new Float32Array()));
  if ([scale, beta, mean, variance].some((t) => t.length !== C)) ctx.fail(`scale/B/mean/var must have ${C} elements`);
  // y = x·a + c with a = scale / sqrt(var + eps), c = B − mean·a, each operation in FO32.
  const a = new Float32Array(C);
  const c = new Float32Array(C);
  for (let i = 0; i < C; i++) {
    a[i] = div(Math.fround(scale[i]), sqrt(add(Math.fround(variance[i]), eps)));
    c[i] = sub(Math.fround(beta[i]), mul(Math.fround(mean[i]), a[i]));
  }
  const ins = ctx.b.producer(x);
  const conv = ins ? convWeights.get(ins) : undefined;
  if (ins && conv && ins.op === MapOp.None && ctx.soleConsumer(0) && conv.channels === C) {
    // Fold into the Conv: W'[m] = W[m]·a[m]; bias'[m] = bias[m]·a[m] + c[m] (bias = 0 if absent).
    const wData = ctx.b.weights[conv.w].data;
    const per = wData.length / C;
    for (let m = 0; m < C; m++) for (let i = 0; i < per; i++) wData[m * per + i] = mul(wData[m * per + i], a[m]);
    if (conv.bias !== undefined) {
      const bData = ctx.b.weights[conv.bias].data;
      for (let m = 0; m < C; m++) bData[m] = add(mul(bData[m], a[m]), c[m]);
    } else {
      const slot = ctx.b.addWeight(`${ctx.name}/B`, c);
      const n = ins.iterDims.length + ins.redDims.length;
      const bCoef = zeros(n);
      const Mg = ins.iterDims[2];
      bCoef[1] = Mg;
      bCoef[2] = 1;
      ins.inputs.push({ slot, dims: [C], offset: [0], coef: bCoef });
      conv.bias = slot.index;
    }
    convWeights.delete(ins); // a second BN must not fold again
    return [x];
  }
  const bshape = [C, ...new Array<number>(xd.length - 2).fill(1)];
  const av: Value = { kind: "const", t: { dtype: "float32", dims: bshape, data: a } };
  const cv: Value = { kind: "const", t: { dtype: "float32", dims: bshape, data: c } };
  const scaled = mapValues(ctx.b, MapOp.Mul, [x, av], [], `${ctx.name}/scale`);
  return [mapValues(ctx.b, MapOp.Add, [scaled, cv], [], ctx.name)];
}

function pool(ctx: NodeContext, isMax: boolean): Value[] {
  if (isMax && ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== "")
    ctx.unsupported("the Indices output is not supported");
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const kernel = ctx.ints("kernel_shape");
  if (!kernel) ctx.fail("kernel_shape is required");
  const sp = kernel.length;
  if (xd.length !== sp + 2) ctx.fail(`input [${xd}] does not match kernel_shape [${kernel}]`);
  const win = slidingWindow(ctx, xd.slice(2), kernel, ctx.int("ceil_mode", 0) !== 0);
  const iterDims = [xd[0], xd[1], ...win.out];
  const n = iterDims.length + sp;
  const coef = zeros(xd.length * n);
  coef[0] = 1;
  coef[n + 1] = 1;
  const offset = zeros(xd.length);
  for (let j = 0; j < sp; j++) {
    coef[(2 + j) * n + 2 + j] = win.strides[j];
    coef[(2 + j) * n + iterDims.length + j] = win.dilations[j];
    offset[2 + j] = -win.padBegin[j];
  }
  const operand: OperandSpec = { value: x, dims: xd, offset, coef };
  const K = product(kernel);
  if (isMax)
    return [
      ctx.b.kernel(
        { kind: Kind.Reduce, op: ReduceOp.Max, params: [], iterDims, redDims: kernel, inputs: [operand] },
        iterDims,
        ctx.name,
      ),
    ];
  // Divisor per output position: taps inside the input (count_include_pad=0) or inside the padded input.
  const includePad = ctx.int("count_include_pad", 0) !== 0;
  const counts = new Float32Array(product(win.out));
  const perDim = win.out.map((o, j) => {
    const c: number[] = [];
    for (let p = 0; p < o; p++) {
      let cnt = 0;
      for (let t = 0; t < kernel[j]; t++) {
        const coord = p * win.strides[j] + t * win.dilations[j] - win.padBegin[j];
        const lo = includePad ? -win.padBegin[j] : 0;
        const hi = includePad ? xd[2 + j] + win.padEnd[j] : xd[2 + j];
        if (coord >= lo && coord < hi) cnt++;
      }
      c.push(cnt);
    }
    return c;
  });
  for (let e = 0; e < counts.length; e++) {
    let rem = e;
    let cnt = 1;
    for (let j = sp - 1; j >= 0; j--) {
      cnt *= perDim[j][rem % win.out[j]];
      rem = Math.floor(rem / win.out[j]);
    }
    counts[e] = cnt;
  }
  if (counts.every((c) => c === K)) {
    return [
      ctx.b.kernel(
        { kind: Kind.Reduce, op: ReduceOp.Mean, params: [K], iterDims, redDims: kernel, inputs: [operand] },
        iterDims,
        ctx.name,
      ),
    ];
  }
  const sum = ctx.b.kernel(
    { kind: Kind.Reduce, op: ReduceOp.Sum, params: [], iterDims, redDims: kernel, inputs: [operand] },
    iterDims,
    `${ctx.name}/sum`,
  );
  const cv: Value = { kind: "const", t: { dtype: "float32", dims: win.out, data: counts } };
  return [mapValues(ctx.b, MapOp.Div, [sum, cv], [], ctx.name)];
}

export const MaxPool = (ctx: NodeContext): Value[] => pool(ctx, true);
export const AveragePool = (ctx: NodeContext): Value[] => pool(ctx, false);

function globalPool(op: ReduceOp) {
  return (ctx: NodeContext): Value[] => {
    const xd = ctx.dims(0);
    const axes = xd.map((_, j) => j).slice(2);
    return [reduceValue(ctx.b, op, ctx.input(0), axes, true, ctx.name)];
  };
}
export const GlobalAveragePool = globalPool(ReduceOp.Mean);
export const GlobalMaxPool = globalPool(ReduceOp.Max);

/** Axes of a Reduce* node: attribute before opset 18 (13 for ReduceSum), input after. */
function reduceAxes(ctx: NodeContext, axesFromInput: boolean): number[] | undefined {
  const rank = ctx.dims(0).length;
  const raw = axesFromInput ? ctx.intsInput(1, "axes") : ctx.ints("axes");
  if (!raw || raw.length === 0) {
    if (ctx.int("noop_with_empty_axes", 0) !== 0) return undefined;
    return Array.from({ length: rank }, (_, j) => j);
  }
  return [...new Set(raw.map((a) => normAxis(ctx, a, rank)))].sort((p, q) => p - q);
}

type ReduceKind = "Sum" | "Mean" | "Max" | "Min" | "SumSquare" | "L1" | "L2" | "LogSum" | "LogSumExp";

function reduceOp(kind: ReduceKind, inputSince: number) {
  return (ctx: NodeContext): Value[] => {
    const axes = reduceAxes(ctx, ctx.opset >= inputSince);
    const keep = ctx.int("keepdims", 1) !== 0;
    let x = ctx.input(0);
    if (!axes) return [x];
    const b = ctx.b;
    const nm = ctx.name;
    if (kind === "SumSquare" || kind === "L2") x = mapValues(b, MapOp.Mul, [x, x], [], `${nm}/sq`);
    if (kind === "L1") x = mapValues(b, MapOp.Abs, [x], [], `${nm}/abs`);
    if (kind === "LogSumExp") x = mapValues(b, MapOp.Exp, [x], [], `${nm}/exp`);
    const op =
      kind === "Mean" ? ReduceOp.Mean : kind === "Max" ? ReduceOp.Max : kind === "Min" ? ReduceOp.Min : ReduceOp.Sum;
    let y = reduceValue(
      b,
      op,
      x,
      axes,
      keep,
      kind === "Sum" || kind === "Mean" || kind === "Max" || kind === "Min" || kind === "SumSquare" || kind === "L1"
        ? nm
        : `${nm}/sum`,
    );
    if (kind === "L2") y = mapValues(b, MapOp.Sqrt, [y], [], nm);
    if (kind === "LogSum" || kind === "LogSumExp") y = mapValues(b, MapOp.Log, [y], [], nm);
    return [y];
  };
}

export const ReduceSum = reduceOp("Sum", 13);
export const ReduceMean = reduceOp("Mean", 18);
export const ReduceMax = reduceOp("Max", 18);
export const ReduceMin = reduceOp("Min", 18);
export const ReduceSumSquare = reduceOp("SumSquare", 18);
export const ReduceL1 = reduceOp("L1", 18);
export const ReduceL2 = reduceOp("L2", 18);
export const ReduceLogSum = reduceOp("LogSum", 18);
export const ReduceLogSumExp = reduceOp("LogSumExp", 18);

/** Softmax axes: a single axis from opset 13; before, the coerced-2D tail [axis..]. */
function softmaxAxes(ctx: NodeContext): number[] {
  const rank = ctx.dims(0).length;
  if (ctx.opset >= 13) return [normAxis(ctx, ctx.int("axis", -1), rank)];
  const a = normAxis(ctx, ctx.int("axis", 1), rank);
  return Array.from({ length: rank - a }, (_, j) => a + j);
}

/** The shared part of Softmax and LogSoftmax: d = x − max, e = exp(d), s = Σ e (over the axes). */
function softmaxParts(ctx: NodeContext): { d: Value; e: Value; s: Value } {
  const b = ctx.b;
  const nm = ctx.name;
  const x = ctx.input(0);
  const axes = softmaxAxes(ctx);
  const m = reduceValue(b, ReduceOp.Max, x, axes, true, `${nm}/max`);
  const d = mapValues(b, MapOp.Sub, [x, m], [], `${nm}/sub`);
  const e = mapValues(b, MapOp.Exp, [d], [], `${nm}/exp`);
  return { d, e, s: reduceValue(b, ReduceOp.Sum, e, axes, true, `${nm}/sum`) };
}

/** softmax(x) = exp(x − max) / Σ exp(x − max). */
export function Softmax(ctx: NodeContext): Value[] {
  const { e, s } = softmaxParts(ctx);
  return [mapValues(ctx.b, MapOp.Div, [e, s], [], ctx.name)];
}

/** logsoftmax(x) = (x − max) − log Σ exp(x − max). */
export function LogSoftmax(ctx: NodeContext): Value[] {
  const { d, s } = softmaxParts(ctx);
  const l = mapValues(ctx.b, MapOp.Log, [s], [], `${ctx.name}/log`);
  return [mapValues(ctx.b, MapOp.Sub, [d, l], [], ctx.name)];
}

/** Normalize over `axes`: (x − mean) / sqrt(mean((x − mean)²) + eps). Also returns mean and the std. */
function normalizeParts(ctx: NodeContext, x: Value, axes: number[], eps: number): { y: Value; mean: Value; sd: Value } {
  const b = ctx.b;
  const nm = ctx.name;
  const mean = reduceValue(b, ReduceOp.Mean, x, axes, true, `${nm}/mean`);
  const d = mapValues(b, MapOp.Sub, [x, mean], [], `${nm}/center`);
  const sq = mapValues(b, MapOp.Mul, [d, d], [], `${nm}/sq`);
  const v = reduceValue(b, ReduceOp.Mean, sq, axes, true, `${nm}/var`);
  const ve = mapValues(b, MapOp.Add, [v, scalar(eps)], [], `${nm}/eps`);
  const sd = mapValues(b, MapOp.Sqrt, [ve], [], `${nm}/std`);
  return { y: mapValues(b, MapOp.Div, [d, sd], [], `${nm}/norm`), mean, sd };
}

function normalize(ctx: NodeContext, x: Value, axes: number[], eps: number): Value {
  return normalizeParts(ctx, x, axes, eps).y;
}

export function LayerNormalization(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const rank = dimsOf(x).length;
  const axis = normAxis(ctx, ctx.int("axis", -1), rank);
  const axes = Array.from({ length: rank - axis }, (_, j) => axis + j);
  const parts = normalizeParts(ctx, x, axes, Math.fround(ctx.float("epsilon", 1e-5)));
  let y = mapValues(ctx.b, MapOp.Mul, [parts.y, ctx.input(1)], [], `${ctx.name}/scale`);
  const bias = ctx.opt(2);
  if (bias) y = mapValues(ctx.b, MapOp.Add, [y, bias], [], ctx.name);
  const wantInv = ctx.node.outputs[2] !== undefined && ctx.node.outputs[2] !== "";
  const inv = wantInv ? mapValues(ctx.b, MapOp.Reciprocal, [parts.sd], [], `${ctx.name}/invstd`) : parts.sd;
  return [y, parts.mean, inv];
}

export function InstanceNormalization(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const axes = xd.map((_, j) => j).slice(2);
  const shape = [xd[1], ...new Array<number>(xd.length - 2).fill(1)];
  const reshaped = (v: Value): Value =>
    v.kind === "const" ? { kind: "const", t: { ...v.t, dims: shape } } : { kind: "tensor", dims: shape, slot: v.slot };
  let y = normalize(ctx, x, axes, Math.fround(ctx.float("epsilon", 1e-5)));
  y = mapValues(ctx.b, MapOp.Mul, [y, reshaped(ctx.input(1))], [], `${ctx.name}/scale`);
  return [mapValues(ctx.b, MapOp.Add, [y, reshaped(ctx.input(2))], [], ctx.name)];
}

/** Fuse a unary activation into the Dot that produced its input, when nothing else reads it. */
export function fuseEpilogue(ctx: NodeContext, op: MapOp, params: number[]): Value | undefined {
  const x = ctx.input(0);
  const ins = ctx.b.producer(x);
  if (!ins || ins.kind !== Kind.Dot || ins.op !== MapOp.None || !ctx.soleConsumer(0)) return undefined;
  if (x.kind !== "tensor" || x.slot.space !== Space.Activation) return undefined;
  ins.op = op;
  ins.params = params.map(Math.fround);
  return x;
}
