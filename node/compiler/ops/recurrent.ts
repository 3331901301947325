// Recurrent ONNX ops (LSTM, GRU, RNN), unrolled over the static sequence length. Per
// direction: one Dot computes every step's input projection X·Wᵀ + biases at once; each step
// then is one Dot per recurrence (H·Rᵀ, its bias operand reading that step's projection in
// place) and Maps for the gates. Every result is an existing instruction, so its FO32 order
// is the instructions' own (docs/PROTOCOL.md §2).
import { NodeContext } from "../context";
import { Kind, MapOp } from "../../program/isa";
import { OperandSpec, Value, dimsOf } from "../values";
import { concatValues, mapValues, reshapeValue, stridedValue, transposeValue } from "./kernels";
import { scalar } from "./elementwise";

type Cell = "LSTM" | "GRU" | "RNN";

/** An activation as one or more Maps, each with its params. */
type Activation = { op: MapOp; params: number[] }[];

/** ONNX's activation names (case as the spec writes them) and their defaults. */
const ACTIVATIONS: Record<string, (alpha?: number, beta?: number) => Activation> = {
  Sigmoid: () => [{ op: MapOp.Sigmoid, params: [] }],
  Tanh: () => [{ op: MapOp.Tanh, params: [] }],
  Relu: () => [{ op: MapOp.Relu, params: [] }],
  Softsign: () => [{ op: MapOp.Softsign, params: [] }],
  Softplus: () => [{ op: MapOp.Softplus, params: [] }],
  LeakyRelu: (a = 0.01) => [{ op: MapOp.LeakyRelu, params: [a] }],
  Elu: (a = 1) => [{ op: MapOp.Elu, params: [a] }],
  HardSigmoid: (a = 0.2, b = 0.5) => [{ op: MapOp.HardSigmoid, params: [a, b] }],
  // Multiplications and additions by scalars are Maps with a constant operand (see `activate`).
  Affine: (a = 1, b = 0) => [
    { op: MapOp.Mul, params: [a] },
    { op: MapOp.Add, params: [b] },
  ],
  ScaledTanh: (a = 1, b = 1) => [
    { op: MapOp.Mul, params: [b] },
    { op: MapOp.Tanh, params: [] },
    { op: MapOp.Mul, params: [a] },
  ],
};
const USES_ALPHA = new Set(["LeakyRelu", "Elu", "HardSigmoid", "Affine", "ScaledTanh"]);
const USES_BETA = new Set(["HardSigmoid", "Affine", "ScaledTanh"]);

const DEFAULTS: Record<Cell, string[]> = {
  LSTM: ["Sigmoid", "Tanh", "Tanh"],
  GRU: ["Sigmoid", "Tanh"],
  RNN: ["Tanh"],
};
const GATES: Record<Cell, number> = { LSTM: 4, GRU: 3, RNN: 1 };

interface Setup {
  cell: Cell;
  T: number;
  B: number;
  I: number;
  H: number;
  D: number;
  layout: number;
  x: Value;
  w: Value;
  r: Value;
  bias?: Value;
  p?: Value;
  h0?: Value;
  c0?: Value;
  /** Per batch entry, its sequence length (undefined: all T). */
  lens?: number[];
  clip?: number;
  /** acts[d] = the cell's activations for direction d. */
  acts: Activation[][];
  linearBeforeReset: boolean;
}

/** An operand reading `v` at `offset`, dim j following iteration axis drive[j] (−1: fixed). */
function view(v: Value, offset: number[], drive: number[], n: number): OperandSpec {
  const dims = dimsOf(v);
  const coef = new Array<number>(dims.length * n).fill(0);
  drive.forEach((a, j) => {
    if (a >= 0) coef[j * n + a] = 1;
  });
  return { value: v, dims, offset, coef };
}

function scalarOperand(x: number): OperandSpec {
  return { value: scalar(x), dims: [], offset: [], coef: [] };
}

function map(ctx: NodeContext, op: MapOp, operands: OperandSpec[], params: number[], dims: number[], name: string) {
  return ctx.b.kernel({ kind: Kind.Map, op, params, iterDims: dims, redDims: [], inputs: operands }, dims, name);
}

/** The whole of a [B, H] value as an operand over iteration [B, H]. */
function whole(v: Value): OperandSpec {
  return view(v, [0, 0], [0, 1], 2);
}

function parseActivations(ctx: NodeContext, cell: Cell, D: number): Activation[][] {
  const names = ctx.hasAttr("activations") ? stringsAttr(ctx, "activations") : undefined;
  const per = DEFAULTS[cell].length;
  const list = names ?? Array.from({ length: D }, () => DEFAULTS[cell]).flat();
  if (list.length !== per * D && list.length !== per)
    ctx.fail(`attribute activations has ${list.length} entries, expected ${per * D}`);
  const alphas = ctx.floats("activation_alpha") ?? [];
  const betas = ctx.floats("activation_beta") ?? [];
  let ai = 0;
  let bi = 0;
  const parsed = list.map((name) => {
    const make = Object.entries(ACTIVATIONS).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (!make) ctx.unsupported(`attribute activations: ${name} is not supported`);
    const a = USES_ALPHA.has(make[0]) && ai < alphas.length ? alphas[ai++] : undefined;
    const b = USES_BETA.has(make[0]) && bi < betas.length ? betas[bi++] : undefined;
    return make[1](a, b);
  });
  return Array.from({ length: D }, (_, d) => (parsed.length === per ? parsed : parsed.slice(d * per, d * per + per)));
}

function stringsAttr(ctx: NodeContext, name: string): string[] {
  const a = ctx.node.attrs.get(name);
  if (a?.kind === "strings") return a.value;
  if (a?.kind === "string") return [a.value];
  ctx.fail(`attribute ${name} should be a list of strings`);
}

function setup(ctx: NodeContext, cell: Cell): Setup {
  const direction = ctx.str("direction", "forward");
  if (!["forward", "reverse", "bidirectional"].includes(direction))
    ctx.fail(`attribute direction: unknown value '${direction}'`);
  const D = direction === "bidirectional" ? 2 : 1;
  const layout = ctx.int("layout", 0);
  if (layout !== 0 && layout !== 1) ctx.fail(`attribute layout must be 0 or 1, got ${layout}`);
  if (cell === "LSTM" && ctx.int("input_forget", 0) !== 0) ctx.unsupported("attribute input_forget=1 is not supported");
  const x = ctx.input(0);
  const xd = dimsOf(x);
  if (xd.length !== 3) ctx.fail(`input X must have rank 3, got [${xd}]`);
  const [T, B] = layout === 0 ? [xd[0], xd[1]] : [xd[1], xd[0]];
  const I = xd[2];
  const G = GATES[cell];
  const w = ctx.input(1);
  const r = ctx.input(2);
  const wd = dimsOf(w);
  const H = dimsOf(r)[2];
  const expect = (v: Value | undefined, dims: number[], what: string) => {
    if (v && dimsOf(v).join() !== dims.join()) ctx.fail(`input ${what} has dims [${dimsOf(v)}], expected [${dims}]`);
  };
  expect(w, [D, G * H, I], "W");
  expect(r, [D, G * H, H], "R");
  if (wd[0] !== D) ctx.fail(`input W has ${wd[0]} directions, attribute direction says ${D}`);
  const hs = ctx.int("hidden_size", H);
  if (hs !== H) ctx.fail(`attribute hidden_size is ${hs} but R has hidden size ${H}`);
  const bias = ctx.opt(3);
  expect(bias, [D, 2 * G * H], "B");
  const stateDims = layout === 0 ? [D, B, H] : [B, D, H];
  const h0 = ctx.opt(5);
  expect(h0, stateDims, "initial_h");
  const c0 = cell === "LSTM" ? ctx.opt(6) : undefined;
  expect(c0, stateDims, "initial_c");
  const p = cell === "LSTM" ? ctx.opt(7) : undefined;
  expect(p, [D, 3 * H], "P");
  let lens: number[] | undefined;
  const sl = ctx.opt(4);
  if (sl) {
    if (sl.kind !== "const") ctx.unsupported("input sequence_lens must be a compile-time constant (an initializer)");
    lens = Array.from(sl.t.data, Number);
    if (lens.length !== B) ctx.fail(`input sequence_lens has ${lens.length} entries, batch size is ${B}`);
    if (lens.some((l) => !Number.isInteger(l) || l < 0 || l > T))
      ctx.fail(`input sequence_lens [${lens}] must lie in [0, ${T}]`);
    if (lens.every((l) => l === T)) lens = undefined;
  }
  const clip = ctx.hasAttr("clip") ? ctx.float("clip", 0) : undefined;
  if (clip !== undefined && !(clip > 0)) ctx.fail(`attribute clip must be positive, got ${clip}`);
  return {
    cell,
    T,
    B,
    I,
    H,
    D,
    layout,
    x,
    w,
    r,
    bias,
    p,
    h0,
    c0,
    lens,
    clip,
    acts: parseActivations(ctx, cell, D),
    linearBeforeReset: cell === "GRU" && ctx.int("linear_before_reset", 0) !== 0,
  };
}

/** Slice [from, from+len) of row d of a [D, n] value, as a [len] value. */
function row(ctx: NodeContext, v: Value, d: number, from: number, len: number, name: string): Value {
  const s = stridedValue(ctx.b, v, [1, len], [d, from], [1, 1], name);
  return reshapeValue(s, [len], name);
}

/**
 * The input projection of every step of direction d, [T, B, G·H]: X·W[d]ᵀ plus the biases
 * that do not sit inside a gate's product (for GRU with linear_before_reset, Rb_h does).
 */
function projection(ctx: NodeContext, s: Setup, d: number): Value {
  const GH = GATES[s.cell] * s.H;
  const n = 4; // iteration [T, B, GH], reduction [I]
  const xOp = view(s.x, [0, 0, 0], s.layout === 0 ? [0, 1, 3] : [1, 0, 3], n);
  const wOp = view(s.w, [d, 0, 0], [-1, 2, 3], n);
  const inputs = [xOp, wOp];
  if (s.bias) {
    const name = `${ctx.name}/bias${d}`;
    const wb = row(ctx, s.bias, d, 0, GH, `${name}/w`);
    const rbLen = s.linearBeforeReset ? 2 * s.H : GH;
    const rb = row(ctx, s.bias, d, GH, rbLen, `${name}/r`);
    let sum: Value;
    if (rbLen === GH) sum = mapValues(ctx.b, MapOp.Add, [wb, rb], [], name);
    else {
      const head = mapValues(ctx.b, MapOp.Add, [row(ctx, s.bias, d, 0, rbLen, `${name}/wh`), rb], [], name);
      sum = concatValues(ctx.b, [head, row(ctx, s.bias, d, rbLen, GH - rbLen, `${name}/wt`)], 0, `${name}/cat`);
    }
    inputs.push(view(sum, [0], [2], n));
  }
  const iterDims = [s.T, s.B, GH];
  return ctx.b.kernel(
    { kind: Kind.Dot, op: MapOp.None, params: [], iterDims, redDims: [s.I], inputs },
    iterDims,
    `${ctx.name}/xw${d}`,
  );
}

/** h·R[d][rows]ᵀ + bias, [B, len]; the bias operand is given over iteration [B, len]. */
function recur(
  ctx: NodeContext,
  s: Setup,
  d: number,
  h: Value,
  rows: number,
  len: number,
  bias: OperandSpec | undefined,
  epilogue: MapOp,
  name: string,
): Value {
  const n = 3;
  const inputs = [view(h, [0, 0], [0, 2], n), view(s.r, [d, rows, 0], [-1, 1, 2], n)];
  if (bias) inputs.push({ ...bias, coef: widen(bias.coef, bias.dims.length, 2, n) });
  return ctx.b.kernel(
    { kind: Kind.Dot, op: epilogue, params: [], iterDims: [s.B, len], redDims: [s.H], inputs },
    [s.B, len],
    name,
  );
}

/** Re-lay coefficients written for `from` iteration axes onto `to` (trailing axes read 0). */
function widen(coef: number[], rank: number, from: number, to: number): number[] {
  const out = new Array<number>(rank * to).fill(0);
  for (let j = 0; j < rank; j++) for (let i = 0; i < from; i++) out[j * to + i] = coef[j * from + i];
  return out;
}

/** The projection of step t, columns [col, col+len), over iteration [B, len]. */
function stepView(xw: Value, t: number, col: number): OperandSpec {
  return view(xw, [t, 0, col], [-1, 0, 1], 2);
}

/** Apply clip (if any) then an activation to an operand over [B, H]. */
function activate(ctx: NodeContext, s: Setup, act: Activation, x: OperandSpec, name: string, clipped = true): Value {
  const clip = clipped ? s.clip : undefined;
  const dims = [s.B, s.H];
  let cur = x;
  let out: Value | undefined;
  if (clip !== undefined) {
    out = map(ctx, MapOp.Clip, [cur], [-clip, clip], dims, `${name}/clip`);
    cur = whole(out);
  }
  act.forEach((a, k) => {
    const scalarArg = a.op === MapOp.Mul || a.op === MapOp.Add;
    out = scalarArg
      ? map(ctx, a.op, [cur, scalarOperand(a.params[0])], [], dims, `${name}/${k}`)
      : map(ctx, a.op, [cur], a.params, dims, `${name}/${k}`);
    cur = whole(out);
  });
  return out!;
}

/** Whether a Dot epilogue can apply the activation exactly (one Map, no clip before it). */
function epilogueOf(s: Setup, act: Activation): MapOp | undefined {
  if (s.clip !== undefined || act.length !== 1 || act[0].params.length > 0) return undefined;
  return act[0].op;
}

function add(ctx: NodeContext, dims: number[], a: OperandSpec, b: OperandSpec, name: string): Value {
  return map(ctx, MapOp.Add, [a, b], [], dims, name);
}
function mul(ctx: NodeContext, dims: number[], a: OperandSpec, b: OperandSpec, name: string): Value {
  return map(ctx, MapOp.Mul, [a, b], [], dims, name);
}

/** Initial state of direction d as [B, H] (zeros when absent). */
function initial(ctx: NodeContext, s: Setup, v: Value | undefined, d: number, name: string): Value {
  if (!v) {
    return { kind: "const", t: { dtype: "float32", dims: [s.B, s.H], data: new Float32Array(s.B * s.H) } };
  }
  const start = s.layout === 0 ? [d, 0, 0] : [0, d, 0];
  const outDims = s.layout === 0 ? [1, s.B, s.H] : [s.B, 1, s.H];
  return reshapeValue(stridedValue(ctx.b, v, outDims, start, [1, 1, 1], name), [s.B, s.H], name);
}

interface StepResult {
  h: Value;
  c?: Value;
}

function lstmStep(ctx: NodeContext, s: Setup, d: number, xw: Value, t: number, h: Value, c: Value, nm: string) {
  const H = s.H;
  const dims = [s.B, H];
  const [f, g, hAct] = s.acts[d];
  const gates = recur(ctx, s, d, h, 0, 4 * H, stepView(xw, t, 0), MapOp.None, `${nm}/gates`);
  const gate = (k: number) => view(gates, [0, k * H], [0, 1], 2);
  // Peephole k (i, o, f = 0, 1, 2) times a cell state, added to gate column block `col`.
  const peep = (col: number, k: number, state: Value, name: string): OperandSpec => {
    if (!s.p) return gate(col);
    const pc = mul(ctx, dims, view(s.p, [d, k * H], [-1, 1], 2), whole(state), `${name}/p`);
    return whole(add(ctx, dims, gate(col), whole(pc), `${name}/pre`));
  };
  const i = activate(ctx, s, f, peep(0, 0, c, `${nm}/i`), `${nm}/i`);
  const fg = activate(ctx, s, f, peep(2, 2, c, `${nm}/f`), `${nm}/f`);
  const cand = activate(ctx, s, g, gate(3), `${nm}/c~`);
  const keep = mul(ctx, dims, whole(fg), whole(c), `${nm}/fc`);
  const write = mul(ctx, dims, whole(i), whole(cand), `${nm}/ic`);
  const cNew = add(ctx, dims, whole(keep), whole(write), `${nm}/c`);
  const o = activate(ctx, s, f, peep(1, 1, cNew, `${nm}/o`), `${nm}/o`);
  // clip bounds the gates' inputs, not the cell state fed to h (as onnxruntime does).
  const hc = activate(ctx, s, hAct, whole(cNew), `${nm}/hc`, false);
  return { h: mul(ctx, dims, whole(o), whole(hc), `${nm}/h`), c: cNew };
}

function gruStep(ctx: NodeContext, s: Setup, d: number, xw: Value, t: number, h: Value, nm: string): Value {
  const H = s.H;
  const dims = [s.B, H];
  const [f, g] = s.acts[d];
  const zr = recur(ctx, s, d, h, 0, 2 * H, stepView(xw, t, 0), MapOp.None, `${nm}/zr`);
  const z = activate(ctx, s, f, view(zr, [0, 0], [0, 1], 2), `${nm}/z`);
  const r = activate(ctx, s, f, view(zr, [0, H], [0, 1], 2), `${nm}/r`);
  let cand: Value;
  if (s.linearBeforeReset) {
    // h~ = g(Xt·Whᵀ + Wbh + rt ⊙ (Ht−1·Rhᵀ + Rbh))
    const rb = s.bias ? view(s.bias, [d, 5 * H], [-1, 1], 2) : undefined;
    const rh = recur(ctx, s, d, h, 2 * H, H, rb, MapOp.None, `${nm}/rh`);
    const gated = mul(ctx, dims, whole(r), whole(rh), `${nm}/r*rh`);
    cand = activate(ctx, s, g, whole(add(ctx, dims, stepView(xw, t, 2 * H), whole(gated), `${nm}/pre`)), `${nm}/h~`);
  } else {
    // h~ = g(Xt·Whᵀ + (rt ⊙ Ht−1)·Rhᵀ + Rbh + Wbh)
    const reset = mul(ctx, dims, whole(r), whole(h), `${nm}/r*h`);
    const ep = epilogueOf(s, g);
    const pre = recur(ctx, s, d, reset, 2 * H, H, stepView(xw, t, 2 * H), ep ?? MapOp.None, `${nm}/h~`);
    cand = ep !== undefined ? pre : activate(ctx, s, g, whole(pre), `${nm}/h~act`);
  }
  // Ht = (1 − zt) ⊙ h~ + zt ⊙ Ht−1
  const oneMinus = map(ctx, MapOp.Sub, [scalarOperand(1), whole(z)], [], dims, `${nm}/1-z`);
  const a = mul(ctx, dims, whole(oneMinus), whole(cand), `${nm}/(1-z)h~`);
  const b = mul(ctx, dims, whole(z), whole(h), `${nm}/zh`);
  return add(ctx, dims, whole(a), whole(b), `${nm}/h`);
}

function rnnStep(ctx: NodeContext, s: Setup, d: number, xw: Value, t: number, h: Value, nm: string): Value {
  const [f] = s.acts[d];
  const ep = epilogueOf(s, f);
  const pre = recur(ctx, s, d, h, 0, s.H, stepView(xw, t, 0), ep ?? MapOp.None, `${nm}/h`);
  return ep !== undefined ? pre : activate(ctx, s, f, whole(pre), `${nm}/act`);
}

/** Entries of the batch still inside their sequence at step t, as a [B, 1] constant (1 / 0). */
function maskAt(s: Setup, t: number): Value | undefined {
  if (!s.lens) return undefined;
  const data = Float32Array.from(s.lens, (l) => (t < l ? 1 : 0));
  return { kind: "const", t: { dtype: "float32", dims: [s.B, 1], data } };
}

/** Runs one direction; returns the outputs of every step (by time index) and the last states. */
function direction(ctx: NodeContext, s: Setup, d: number): { ys: Value[]; h: Value; c?: Value } {
  const reverse = ctx.str("direction", "forward") === "reverse" || d === 1;
  const xw = projection(ctx, s, d);
  let h = initial(ctx, s, s.h0, d, `${ctx.name}/h0_${d}`);
  let c = s.cell === "LSTM" ? initial(ctx, s, s.c0, d, `${ctx.name}/c0_${d}`) : undefined;
  const ys = new Array<Value>(s.T);
  const zero: Value = { kind: "const", t: { dtype: "float32", dims: [s.B, s.H], data: new Float32Array(s.B * s.H) } };
  for (let k = 0; k < s.T; k++) {
    const t = reverse ? s.T - 1 - k : k;
    const nm = `${ctx.name}/d${d}t${t}`;
    let next: StepResult;
    if (s.cell === "LSTM") next = lstmStep(ctx, s, d, xw, t, h, c!, nm);
    else if (s.cell === "GRU") next = { h: gruStep(ctx, s, d, xw, t, h, nm) };
    else next = { h: rnnStep(ctx, s, d, xw, t, h, nm) };
    const mask = maskAt(s, t);
    if (mask) {
      // Past its length an entry keeps its state and outputs zeros (a reverse pass starts late).
      ys[t] = mapValues(ctx.b, MapOp.Where, [mask, next.h, zero], [], `${nm}/y`);
      h = mapValues(ctx.b, MapOp.Where, [mask, next.h, h], [], `${nm}/hold`);
      if (c) c = mapValues(ctx.b, MapOp.Where, [mask, next.c!, c], [], `${nm}/holdc`);
    } else {
      ys[t] = next.h;
      h = next.h;
      c = next.c;
    }
  }
  if (s.lens?.includes(0)) {
    // An empty sequence has zero final states (onnxruntime's reading), not its initial ones.
    const ran: Value = {
      kind: "const",
      t: { dtype: "float32", dims: [s.B, 1], data: Float32Array.from(s.lens, (l) => (l > 0 ? 1 : 0)) },
    };
    h = mapValues(ctx.b, MapOp.Where, [ran, h, zero], [], `${ctx.name}/d${d}/empty_h`);
    if (c) c = mapValues(ctx.b, MapOp.Where, [ran, c, zero], [], `${ctx.name}/d${d}/empty_c`);
  }
  return { ys, h, c };
}

/** Stack [B, H] states of each direction into [D, B, H] (layout 0) or [B, D, H] (layout 1). */
function stackStates(ctx: NodeContext, s: Setup, states: Value[], name: string): Value {
  const parts = states.map((v) => reshapeValue(v, [1, s.B, s.H], name));
  const stacked = parts.length === 1 ? parts[0] : concatValues(ctx.b, parts, 0, name);
  return s.layout === 0 ? stacked : transposeValue(ctx.b, stacked, [1, 0, 2], `${name}/layout`);
}

function lowerRecurrent(ctx: NodeContext, cell: Cell): Value[] {
  const s = setup(ctx, cell);
  const dirs = Array.from({ length: s.D }, (_, d) => direction(ctx, s, d));
  const wanted = (i: number) => (ctx.node.outputs[i] ?? "") !== "";
  const outs: Value[] = [];
  if (wanted(0)) {
    // Y: [T, D, B, H] (layout 0) or [B, T, D, H] (layout 1), stacked in one Move.
    const parts: Value[] = [];
    for (let t = 0; t < s.T; t++) for (const dir of dirs) parts.push(reshapeValue(dir.ys[t], [1, s.B, s.H], ctx.name));
    const y = reshapeValue(concatValues(ctx.b, parts, 0, `${ctx.name}/Y`), [s.T, s.D, s.B, s.H], ctx.name);
    outs[0] = s.layout === 0 ? y : transposeValue(ctx.b, y, [2, 0, 1, 3], `${ctx.name}/Y/layout`);
  }
  if (wanted(1))
    outs[1] = stackStates(
      ctx,
      s,
      dirs.map((x) => x.h),
      `${ctx.name}/Y_h`,
    );
  if (cell === "LSTM" && wanted(2))
    outs[2] = stackStates(
      ctx,
      s,
      dirs.map((x) => x.c!),
      `${ctx.name}/Y_c`,
    );
  return outs;
}

export function LSTM(ctx: NodeContext): Value[] {
  return lowerRecurrent(ctx, "LSTM");
}

export function GRU(ctx: NodeContext): Value[] {
  return lowerRecurrent(ctx, "GRU");
}

export function RNN(ctx: NodeContext): Value[] {
  return lowerRecurrent(ctx, "RNN");
}
