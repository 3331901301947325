// WebAssembly kernels for Dot, Reduce, Map and Move instructions: the instruction's plan
// (plan/affine.ts → plan/vector.ts) rendered by the wasm emitter (emitter.ts) with the
// element operation's wasm code (ops.ts, probed against node/fo32).
import {
  FIRST_BINARY_MAP_OP,
  FIRST_TERNARY_MAP_OP,
  Instruction,
  Kind,
  MapOp,
  ReduceOp,
  SlotRef,
  Space,
} from "../../program/isa";
import * as fo32 from "../../fo32";
import { InstructionPlan, planInstruction, rowMajorStrides } from "../plan/affine";
import { coordRange, iterationMax } from "../validate";
import { VectorOptions, VectorPlan, vectorPlan } from "../plan/vector";
import { FnBuilder } from "./encoder";
import { DriverSplit, ElementOps, MoveWithoutFill, driverSplit, emitKernel } from "./emitter";
import { binaryCode, ternaryCode, unaryCode } from "./ops";
import { stripMined } from "./strip";

export type KernelOptions = VectorOptions;

export interface Kernel {
  /**
   * fns[0] is the kernel (exported); it calls the others once per iteration of the
   * outermost loop, so V8 can switch to optimized code within a run (wasm code has no
   * on-stack replacement: a function entered in baseline code finishes in it).
   */
  fns: FnBuilder[];
  /** The driver's units (its parameters are a range of them): how threads share the kernel. */
  split: DriverSplit;
  /** Dot epilogue not available in wasm: the kernel stores s = acc (+ bias); JS applies this. */
  post: ((x: number) => number) | null;
  /** Description for debugging / tests. */
  info: string;
}

/** The element operation in wasm code, and a JS epilogue for a Dot whose op has none; null: JS runs it. */
function elementOps(ins: Instruction): { ops: ElementOps; post: ((x: number) => number) | null } | null {
  const ops: ElementOps = {
    kind: ins.kind,
    reduceOp: ins.op,
    unary: null,
    binary: null,
    ternary: null,
    meanDivisor: 0,
    fill: null,
    canonical: ins.inputs.map((o) => o.slot.space === Space.Activation),
  };
  let post: ((x: number) => number) | null = null;
  if (ins.kind === Kind.Dot) {
    let F: (x: number) => number;
    try {
      F = fo32.unaryFunction(ins.op, ins.params);
    } catch {
      return null; // JS reports it at run time
    }
    ops.unary = ins.op === MapOp.None ? null : unaryCode(ins.op, ins.params);
    if (ins.op !== MapOp.None && ops.unary === null) post = F;
  } else if (ins.kind === Kind.Map) {
    if (ins.op >= FIRST_TERNARY_MAP_OP) ops.ternary = ternaryCode(ins.op);
    else if (ins.op >= FIRST_BINARY_MAP_OP) ops.binary = binaryCode(ins.op);
    else ops.unary = unaryCode(ins.op, ins.params);
    if (ops.binary === null && ops.unary === null && ops.ternary === null) return null;
  } else if (ins.kind === Kind.Reduce) {
    if (ins.op === ReduceOp.Max) ops.binary = binaryCode(MapOp.Max);
    else if (ins.op === ReduceOp.Min) ops.binary = binaryCode(MapOp.Min);
    else if (ins.op === ReduceOp.Sum || ins.op === ReduceOp.Mean) ops.binary = binaryCode(MapOp.Add);
    else return null;
    if (ops.binary === null) return null;
    if (ins.op === ReduceOp.Mean) {
      if (ins.params.length < 1) return null;
      ops.meanDivisor = ins.params[0];
    }
  } else if (ins.kind === Kind.Move) {
    ops.fill = ins.params.length > 0 ? ins.params[0] : null;
  } else {
    return null;
  }
  return { ops, post };
}

function describe(kind: Kind, p: VectorPlan, post: boolean): string {
  const lane =
    p.lane === null
      ? " scalar"
      : kind === Kind.Move
        ? ` lane ${p.lane.level} segments [${p.lane.segments.map((s) => `${s.from}:${s.vectors}`)}]`
        : ` lane ${p.lane.level} interior [${p.lane.interior}]` +
          (p.lane.segments.some((s) => s.masked) ? " masked" : "");
  return (
    `${Kind[kind]} levels [${p.levels.map((v) => (v.reduction ? "r" : "o") + v.extent).join(" ")}]` +
    lane +
    (p.rows !== null ? ` rows ${p.rows.level}x${p.rows.count}` : "") +
    ` checks ${p.checks.length}` +
    (post ? " post" : "")
  );
}

/**
 * Elements past the end of a slot a masked vector may read (its lanes' range, plus one for
 * a stride-2 lane load). The runtime leaves a tail pad of 64 bytes after the last slot.
 */
const MASKED_PAST = 4;

/**
 * Whether the masked vectors of `plan` only load inside linear memory. Their invalid lanes
 * load (and discard) addresses whose lane-moving coordinates are out of range; every other
 * coordinate is in range when a load happens (always valid, or its check branches around
 * the tap). So the byte range read is base + 4·Σ stride·[lo, up] over the coordinates, with
 * [lo, up] the lane-moving coordinates' full range and [0, dim − 1] for the others.
 */
function masksStayInMemory(
  ins: Instruction,
  ap: InstructionPlan,
  plan: VectorPlan,
  base: (ref: SlotRef) => number,
): boolean {
  const lane = plan.lane!.level;
  const hi = iterationMax(ins);
  let k = 0; // plan.checks follow the reduction operands' checks in order
  return ap.operands.every((o) => {
    if (o.role !== "reduce") return true;
    const op = ins.inputs[o.index];
    const strides = rowMajorStrides(op.dims);
    const moving = new Set<number>();
    for (const ch of o.checks) if (plan.checks[k++].form.coefs[lane] !== 0) moving.add(ch.coord);
    let lo = 0;
    let up = 0;
    op.dims.forEach((d, j) => {
      const [a, b] = moving.has(j) ? coordRange(op, j, hi) : [0, d - 1];
      lo += strides[j] * a;
      up += strides[j] * b;
    });
    const b0 = base(op.slot);
    const len = op.dims.reduce((p, d) => p * d, 1);
    return b0 + 4 * lo >= 0 && up + 1 < len + MASKED_PAST;
  });
}

/** V8's limits on one wasm function: locals and body bytes. */
const MAX_LOCALS = 50000;
const MAX_BODY_BYTES = 7654321;

/** Whether a function's body stays within MAX_LOCALS and MAX_BODY_BYTES. */
function withinLimits(f: FnBuilder): boolean {
  const body = f.body();
  if (body.length > MAX_BODY_BYTES) return false;
  // the body starts with the locals: a LEB count of (LEB n, type) groups
  let at = 0;
  const leb = (): number => {
    let x = 0;
    let shift = 0;
    for (;;) {
      const b = body[at++];
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x;
      shift += 7;
    }
  };
  let locals = f.params;
  for (let g = leb(); g > 0; g--) {
    locals += leb();
    at++; // the type
  }
  return locals <= MAX_LOCALS;
}

/**
 * Build the wasm functions for one instruction, or null when it must run in JS (a Map op
 * without wasm code, coordinates beyond i32, a Move element that may have no value, a
 * function beyond V8's limits).
 * `base(ref)` is the byte offset of a slot in linear memory.
 */
export function buildKernel(
  ins: Instruction,
  base: (ref: SlotRef) => number,
  options: KernelOptions = {},
): Kernel | null {
  const element = elementOps(ins);
  if (element === null) return null;
  const ap = planInstruction(ins);
  if (ap.operands.some((o) => (o.role === "reduce" || ins.kind === Kind.Move) && !o.fitsI32)) return null;
  let plan = vectorPlan(ap, options);
  if (plan.lane?.segments.some((s) => s.masked) && !masksStayInMemory(ins, ap, plan, base))
    plan = vectorPlan(ap, { ...options, maskBorders: false });
  // (strip-mined: threads split a kernel by its outer loop)
  plan = stripMined(plan);
  const slotBase = [ins.out, ...ins.inputs.map((o) => o.slot)].map(base);
  let fns: FnBuilder[];
  try {
    fns = emitKernel(plan, element.ops, slotBase);
  } catch (e) {
    if (e instanceof MoveWithoutFill) return null;
    throw e;
  }
  if (!fns.every(withinLimits)) return null; // e.g. a Move of hundreds of sources and segments: JS
  return {
    fns,
    split: driverSplit(plan),
    post: element.post,
    info: describe(ins.kind, plan, element.post !== null),
  };
}
