// Step bookkeeping (docs/PROTOCOL.md §2.1, §4): where each instruction starts in the global
// step count, and the conversions step number ↔ pc. Step numbers are JS numbers: N can reach
// ~1e9 and stays far below 2^53, so they are exact.
import { Program, stepCount, stepsPerElement } from "../program/isa";
import type { Pc } from "./memory";

// Programs are treated as immutable once built, so the prefix sums are cached per object.
const startsCache = new WeakMap<Program, readonly number[]>();

/**
 * Start step of every instruction, plus N at the end: `starts[i] = Σ_{j<i} steps_j`,
 * `starts[#instructions] = N`.
 */
export function instructionStarts(program: Program): readonly number[] {
  let starts = startsCache.get(program);
  if (starts === undefined) {
    const s: number[] = new Array<number>(program.instructions.length + 1);
    let acc = 0;
    for (let i = 0; i < program.instructions.length; i++) {
      s[i] = acc;
      acc += stepCount(program.instructions[i]);
    }
    s[program.instructions.length] = acc;
    if (!Number.isSafeInteger(acc)) throw new Error(`program has ${acc} steps: beyond 2^53`);
    starts = Object.freeze(s);
    startsCache.set(program, starts);
  }
  return starts;
}

/** Total steps N (the halted state is reached after exactly N steps). */
export function programSteps(program: Program): number {
  const starts = instructionStarts(program);
  return starts[starts.length - 1];
}

/** The halted pc: (#instructions, 0, 0). */
export function haltedPc(program: Program): Pc {
  return { instr: program.instructions.length, elem: 0, k: 0 };
}

export function isHalted(program: Program, pc: Pc): boolean {
  return pc.instr === program.instructions.length;
}

/** The pc after `s` steps from state 0, for 0 ≤ s ≤ N (s = N gives the halted pc). */
export function pcAtStep(program: Program, s: number): Pc {
  const starts = instructionStarts(program);
  const n = program.instructions.length;
  const total = starts[n];
  if (!Number.isSafeInteger(s) || s < 0 || s > total) {
    throw new RangeError(`step ${s} out of range [0, ${total}]`);
  }
  if (s === total) return haltedPc(program);
  // Largest i with starts[i] ≤ s. With zero-step instructions (rejected by validateProgram,
  // but tolerated here) that is the one whose range actually contains s.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= s) lo = mid;
    else hi = mid - 1;
  }
  const spe = stepsPerElement(program.instructions[lo]);
  const r = s - starts[lo];
  const elem = Math.floor(r / spe);
  return { instr: lo, elem, k: r - elem * spe };
}

/** The step number at which the machine is at `pc` (inverse of pcAtStep); checks pc. */
export function stepAtPc(program: Program, pc: Pc): number {
  const starts = instructionStarts(program);
  const n = program.instructions.length;
  if (pc.instr === n) {
    if (pc.elem !== 0 || pc.k !== 0) throw new RangeError(`halted pc must be (${n}, 0, 0)`);
    return starts[n];
  }
  if (!Number.isInteger(pc.instr) || pc.instr < 0 || pc.instr > n) {
    throw new RangeError(`pc.instr ${pc.instr} out of range [0, ${n}]`);
  }
  const ins = program.instructions[pc.instr];
  const spe = stepsPerElement(ins);
  const e = stepCount(ins) / spe;
  if (!Number.isInteger(pc.elem) || pc.elem < 0 || pc.elem >= e) {
    throw new RangeError(`pc.elem ${pc.elem} out of range [0, ${e}) for instruction ${pc.instr}`);
  }
  if (!Number.isInteger(pc.k) || pc.k < 0 || pc.k >= spe) {
    throw new RangeError(`pc.k ${pc.k} out of range [0, ${spe}) for instruction ${pc.instr}`);
  }
  return starts[pc.instr] + pc.elem * spe + pc.k;
}

export function pcEquals(a: Pc, b: Pc): boolean {
  return a.instr === b.instr && a.elem === b.elem && a.k === b.k;
}
