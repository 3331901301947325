// WebAssembly kernels for Dot, Reduce and Map instructions: the instruction's plan
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
} from "../../program/isa";
import * as fo32 from "../../fo32";
import { planInstruction } from "../plan/affine";
import { VectorOptions, VectorPlan, vectorPlan } from "../plan/vector";
import { FnBuilder } from "./encoder";
import { DriverSplit, ElementOps, driverSplit, emitKernel } from "./emitter";
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
  } else {
    return null; // Move: the JS kernel
  }
  return { ops, post };
}

function describe(kind: Kind, p: VectorPlan, post: boolean): string {
  return (
    `${Kind[kind]} levels [${p.levels.map((v) => (v.reduction ? "r" : "o") + v.extent).join(" ")}]` +
    (p.lane !== null ? ` lane ${p.lane.level} interior [${p.lane.interior}]` : " scalar") +
    (p.rows !== null ? ` rows ${p.rows.level}x${p.rows.count}` : "") +
    ` checks ${p.checks.length}` +
    (post ? " post" : "")
  );
}

/**
 * Build the wasm functions for one instruction, or null when it must run in JS (Move, a Map
 * op without wasm code, coordinates beyond i32).
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
  if (ap.operands.some((o) => o.role === "reduce" && !o.fitsI32)) return null;
  // (strip-mined: threads split a kernel by its outer loop)
  const plan = stripMined(vectorPlan(ap, options));
  const slotBase = [ins.out, ...ins.inputs.map((o) => o.slot)].map(base);
  return {
    fns: emitKernel(plan, element.ops, slotBase),
    split: driverSplit(plan),
    post: element.post,
    info: describe(ins.kind, plan, element.post !== null),
  };
}
