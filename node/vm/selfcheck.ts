// Cross-check of the fast executor against the one-step definition: runs the program both
// ways and compares every step. Used by the VM tests; also useful to check a compiled
// program end to end (cost: O(N) steps plus O(Σ K²) for the accumulator checks).
import { Program } from "../program/isa";
import { bitsOf } from "../fo32";
import { execute } from "./execute";
import { pcAtStep, pcEquals, programSteps, isHalted } from "./layout";
import { Memory, Pc, initialMemory, slotOf } from "./memory";
import { MachineState, partialAccumulator, step, stepAccesses } from "./step";

export interface CrossCheckOptions {
  /** Check partialAccumulator against the stepper (default true). */
  accumulators?: boolean;
  /** Check it only at every n-th step (default 1: every step; it costs O(K) per check). */
  accumulatorEvery?: number;
}

export interface CrossCheckResult {
  steps: number;
  memory: Memory;
}

function pcString(pc: Pc): string {
  return `(${pc.instr}, ${pc.elem}, ${pc.k})`;
}

function hex(x: number): string {
  return "0x" + bitsOf(x).toString(16).padStart(8, "0");
}

/**
 * Execute `program` fast, then step it from state 0 to halted, checking at every step s:
 * pc = pcAtStep(s); acc = partialAccumulator(finalMemory, pc) (bitwise); every written value
 * equals the fast result; at the end the halted state is a fixed point and the stepped
 * memory equals the fast memory bit for bit. Throws on the first mismatch.
 */
export function crossCheck(
  program: Program,
  inputs: Float32Array[],
  options: CrossCheckOptions = {},
): CrossCheckResult {
  const fast = execute(program, inputs);
  const mem = initialMemory(program, inputs);
  const N = programSteps(program);
  let state: MachineState = { pc: { instr: 0, elem: 0, k: 0 }, acc: 0 };
  if (program.instructions.length === 0) state.pc = pcAtStep(program, 0);
  for (let s = 0; s <= N; s++) {
    const want = pcAtStep(program, s);
    if (!pcEquals(state.pc, want))
      throw new Error(`step ${s}: stepper pc ${pcString(state.pc)} ≠ pcAtStep ${pcString(want)}`);
    if (state.pc.k === 0 && !Object.is(state.acc, 0)) throw new Error(`step ${s}: acc ${state.acc} ≠ +0 at k = 0`);
    if (options.accumulators !== false && s % (options.accumulatorEvery ?? 1) === 0) {
      const p = partialAccumulator(program, fast, state.pc);
      if (bitsOf(p) !== bitsOf(state.acc)) {
        throw new Error(
          `step ${s} pc ${pcString(state.pc)}: stepper acc ${hex(state.acc)} ≠ partialAccumulator ${hex(p)}`,
        );
      }
    }
    if (s === N) break;
    if (isHalted(program, state.pc)) throw new Error(`step ${s}: halted before N = ${N}`);
    const access = stepAccesses(program, state.pc);
    const pc = state.pc;
    state = step(program, mem, state);
    if (access.write !== null) {
      const got = slotOf(mem, access.write.slot)[access.write.address];
      const exp = slotOf(fast, access.write.slot)[access.write.address];
      const slot = slotOf(mem, access.write.slot);
      const rawGot = new Uint32Array(slot.buffer, slot.byteOffset, slot.length)[access.write.address];
      const f = slotOf(fast, access.write.slot);
      const rawExp = new Uint32Array(f.buffer, f.byteOffset, f.length)[access.write.address];
      if (rawGot !== rawExp) {
        throw new Error(
          `step ${s} pc ${pcString(pc)}: stepper wrote ${hex(got)} (raw 0x${rawGot.toString(16)}), fast wrote ${hex(exp)} (raw 0x${rawExp.toString(16)})`,
        );
      }
    }
  }
  if (!isHalted(program, state.pc) || !Object.is(state.acc, 0)) {
    throw new Error(`after N = ${N} steps: not halted with acc +0: ${pcString(state.pc)}, ${state.acc}`);
  }
  const again = step(program, mem, state);
  if (!pcEquals(again.pc, state.pc) || !Object.is(again.acc, state.acc)) throw new Error("step(halted) ≠ halted");
  mem.activations.forEach((slot, a) => {
    const x = new Uint32Array(slot.buffer, slot.byteOffset, slot.length);
    const y = new Uint32Array(fast.activations[a].buffer, fast.activations[a].byteOffset, fast.activations[a].length);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i])
        throw new Error(
          `final memory differs: activation ${a}[${i}]: step 0x${x[i].toString(16)}, fast 0x${y[i].toString(16)}`,
        );
    }
  });
  return { steps: N, memory: fast };
}
