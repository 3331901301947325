// THE one-step definition (docs/PROTOCOL.md §2.2). Deliberately a direct, slow, literal
// reading of the spec: the fast executor (execute.ts) is tested against it bit for bit,
// and the one-step proofs are built from stepAccesses. Keep it simple rather than fast.
import { Instruction, Kind, Operand, Program, ReduceOp, SlotRef, Space, product } from "../program/isa";
import * as fo32 from "../fo32";
import { CANONICAL_NAN_BITS, Memory, Pc, slotOf } from "./memory";
import { haltedPc } from "./layout";

export interface MachineState {
  pc: Pc;
  /** binary32 value; +0 whenever pc.k = 0. */
  acc: number;
}

/** Which operand of the instruction a read comes from. */
export type OperandRole = "A" | "B" | "bias" | "X" | "Y" | "Z" | "source";

/** What a step does: a reduction step (Dot MAC / Reduce), an element write, or nothing. */
export type StepPhase = "accumulate" | "write" | "halted";

export interface OperandRead {
  /** Index into instruction.inputs. */
  operand: number;
  role: OperandRole;
  slot: SlotRef;
  coords: number[];
  valid: boolean;
  /** Row-major address in the slot; -1 when not valid. */
  address: number;
  /**
   * The step's result depends on this value. Exactly these reads need a witness (value +
   * Merkle proof); the validity of every read is computable from the pc alone.
   */
  used: boolean;
}

export interface WriteAccess {
  slot: SlotRef;
  address: number;
}

export interface StepAccesses {
  pc: Pc;
  phase: StepPhase;
  /** Every operand read the step evaluates, in operand order. */
  reads: OperandRead[];
  write: WriteAccess | null;
}

/** Row-major multi-index of `index` in `dims`. */
export function multiIndex(index: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  let rest = index;
  for (let j = dims.length - 1; j >= 0; j--) {
    out[j] = rest % dims[j];
    rest = Math.floor(rest / dims[j]);
  }
  return out;
}

/** Coordinates, validity and address of an operand at iteration point `it` (§2.1). */
export function evalOperand(
  operand: Operand,
  it: readonly number[],
): { coords: number[]; valid: boolean; address: number } {
  const c = operand.dims.length;
  const w = it.length;
  const coords = new Array<number>(c);
  let valid = true;
  for (let j = 0; j < c; j++) {
    let x = operand.offset[j];
    for (let i = 0; i < w; i++) x += operand.coef[j * w + i] * it[i];
    coords[j] = x;
    if (!(x >= 0 && x < operand.dims[j])) valid = false;
  }
  let address = -1;
  if (valid) {
    address = 0;
    for (let j = 0; j < c; j++) address = address * operand.dims[j] + coords[j];
  }
  return { coords, valid, address };
}

function checkPc(program: Program, pc: Pc): Instruction | null {
  const n = program.instructions.length;
  if (pc.instr === n) {
    if (pc.elem !== 0 || pc.k !== 0) throw new RangeError(`halted pc must be (${n}, 0, 0)`);
    return null;
  }
  if (!Number.isInteger(pc.instr) || pc.instr < 0 || pc.instr > n) {
    throw new RangeError(`pc.instr ${pc.instr} out of range [0, ${n}]`);
  }
  const ins = program.instructions[pc.instr];
  const e = product(ins.iterDims);
  const hasRed = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  const kMax = hasRed ? product(ins.redDims) : 0;
  if (!Number.isInteger(pc.elem) || pc.elem < 0 || pc.elem >= e) {
    throw new RangeError(`pc.elem ${pc.elem} out of range [0, ${e}) for instruction ${pc.instr}`);
  }
  if (!Number.isInteger(pc.k) || pc.k < 0 || pc.k > kMax) {
    throw new RangeError(`pc.k ${pc.k} out of range [0, ${kMax}] for instruction ${pc.instr}`);
  }
  return ins;
}

function roleOf(ins: Instruction, operand: number): OperandRole {
  switch (ins.kind) {
    case Kind.Dot:
      return operand === 0 ? "A" : operand === 1 ? "B" : "bias";
    case Kind.Map:
    case Kind.Reduce:
      return operand === 0 ? "X" : operand === 1 ? "Y" : "Z";
    case Kind.Move:
      return "source";
  }
}

function read(ins: Instruction, operand: number, it: readonly number[]): OperandRead {
  const op = ins.inputs[operand];
  const r = evalOperand(op, it);
  return { operand, role: roleOf(ins, operand), slot: op.slot, ...r, used: false };
}

/** The reads and the write of the step at `pc`. */
export function stepAccesses(program: Program, pc: Pc): StepAccesses {
  const ins = checkPc(program, pc);
  if (ins === null) return { pc, phase: "halted", reads: [], write: null };
  const o = multiIndex(pc.elem, ins.iterDims);
  const write: WriteAccess = { slot: ins.out, address: pc.elem };
  switch (ins.kind) {
    case Kind.Dot: {
      const K = product(ins.redDims);
      if (pc.k < K) {
        const it = o.concat(multiIndex(pc.k, ins.redDims));
        const a = read(ins, 0, it);
        const b = read(ins, 1, it);
        a.used = b.used = a.valid && b.valid; // otherwise a padded tap
        return { pc, phase: "accumulate", reads: [a, b], write: null };
      }
      const reads: OperandRead[] = [];
      if (ins.inputs.length > 2) {
        const bias = read(ins, 2, o.concat(ins.redDims.map(() => 0)));
        bias.used = true;
        reads.push(bias);
      }
      return { pc, phase: "write", reads, write };
    }
    case Kind.Reduce: {
      const K = product(ins.redDims);
      if (pc.k < K) {
        const x = read(ins, 0, o.concat(multiIndex(pc.k, ins.redDims)));
        x.used = x.valid;
        return { pc, phase: "accumulate", reads: [x], write: null };
      }
      return { pc, phase: "write", reads: [], write };
    }
    case Kind.Map: {
      const reads = ins.inputs.map((_, j) => read(ins, j, o));
      for (const r of reads) r.used = true;
      return { pc, phase: "write", reads, write };
    }
    case Kind.Move: {
      const reads = ins.inputs.map((_, j) => read(ins, j, o));
      const first = reads.find((r) => r.valid);
      if (first !== undefined) first.used = true;
      return { pc, phase: "write", reads, write };
    }
  }
}

function valueOf(memory: Memory, r: OperandRead): number {
  if (!r.valid) {
    throw new Error(`invalid read of operand ${r.operand} (${r.role}) at coords [${r.coords.join(", ")}]`);
  }
  return slotOf(memory, r.slot)[r.address];
}

/** Store a value; NaN is stored as the canonical 0x7FC00000 whatever JS NaN it is. */
export function writeValue(slot: Float32Array, address: number, value: number): void {
  if (value !== value) new Uint32Array(slot.buffer, slot.byteOffset, slot.length)[address] = CANONICAL_NAN_BITS;
  else slot[address] = value;
}

/** init(op) of §2.2: the accumulator value used at k = 0. */
export function reduceInit(ins: Pick<Instruction, "kind" | "op">): number {
  if (ins.kind === Kind.Reduce) {
    if (ins.op === ReduceOp.Max) return -Infinity;
    if (ins.op === ReduceOp.Min) return Infinity;
  }
  return 0;
}

/** One reduction step of a Reduce instruction. */
export function reduceStep(op: number, a: number, x: number): number {
  switch (op) {
    case ReduceOp.Sum:
    case ReduceOp.Mean:
      return fo32.add(a, x);
    case ReduceOp.Max:
      return fo32.max(a, x);
    case ReduceOp.Min:
      return fo32.min(a, x);
    default:
      throw new Error(`unknown reduce op ${op}`);
  }
}

function param(ins: Instruction, j: number): number {
  if (ins.params.length <= j) throw new Error(`instruction needs params[${j}]`);
  return ins.params[j];
}

function advance(program: Program, pc: Pc): MachineState {
  const ins = program.instructions[pc.instr];
  if (pc.elem + 1 < product(ins.iterDims)) return { pc: { instr: pc.instr, elem: pc.elem + 1, k: 0 }, acc: 0 };
  if (pc.instr + 1 < program.instructions.length) return { pc: { instr: pc.instr + 1, elem: 0, k: 0 }, acc: 0 };
  return { pc: haltedPc(program), acc: 0 };
}

/**
 * Perform exactly one micro-step from `state`. Mutates `memory` (the output activation slot)
 * on write steps; returns the new state. A halted state is returned unchanged.
 */
export function step(program: Program, memory: Memory, state: MachineState): MachineState {
  const pc = state.pc;
  const access = stepAccesses(program, pc);
  if (access.phase === "halted") return { pc: { ...pc }, acc: state.acc }; // fixed point
  const ins = program.instructions[pc.instr];
  // The accumulator value used by this step: init(op) at k = 0, else the state's acc.
  const a = pc.k === 0 ? reduceInit(ins) : state.acc;
  const next = { instr: pc.instr, elem: pc.elem, k: pc.k + 1 };

  if (access.phase === "accumulate") {
    if (ins.kind === Kind.Dot) {
      const [ra, rb] = access.reads;
      if (!ra.used) return { pc: next, acc: a }; // padded tap
      return { pc: next, acc: fo32.add(a, fo32.mul(valueOf(memory, ra), valueOf(memory, rb))) };
    }
    const [rx] = access.reads;
    if (!rx.used) return { pc: next, acc: a };
    return { pc: next, acc: reduceStep(ins.op, a, valueOf(memory, rx)) };
  }

  let value: number;
  switch (ins.kind) {
    case Kind.Dot: {
      let s = a;
      if (access.reads.length > 0) s = fo32.add(s, valueOf(memory, access.reads[0]));
      value = fo32.unaryOp(ins.op, s, ins.params);
      break;
    }
    case Kind.Reduce:
      value = ins.op === ReduceOp.Mean ? fo32.div(a, param(ins, 0)) : a;
      break;
    case Kind.Map:
      value = fo32.mapOp(
        ins.op,
        access.reads.map((r) => valueOf(memory, r)),
        ins.params,
      );
      break;
    case Kind.Move: {
      const src = access.reads.find((r) => r.used);
      value = src !== undefined ? valueOf(memory, src) : param(ins, 0);
      break;
    }
  }
  const w = access.write!;
  if (w.slot.space !== Space.Activation) throw new Error("instruction output must be an Activation slot");
  writeValue(slotOf(memory, w.slot), w.address, value);
  return advance(program, pc);
}

/**
 * The accumulator after the first `pc.k` steps of element `pc.elem` of instruction
 * `pc.instr`, recomputed from `memory` (typically the final memory of one run: the reads of
 * a reduction only see slots written by earlier instructions). +0 when k = 0 or halted.
 */
export function partialAccumulator(program: Program, memory: Memory, pc: Pc): number {
  const ins = checkPc(program, pc);
  if (ins === null || pc.k === 0) return 0;
  // Reduction steps never write memory, so replaying them with `step` is side-effect free.
  let state: MachineState = { pc: { instr: pc.instr, elem: pc.elem, k: 0 }, acc: 0 };
  for (let j = 0; j < pc.k; j++) state = step(program, memory, state);
  return state.acc;
}
