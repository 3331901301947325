// Memory of a running program: one Float32Array per slot, per space (docs/PROTOCOL.md §2).
import { Program, Space, SlotRef } from "../program/isa";

export interface Memory {
  weights: Float32Array[];
  inputs: Float32Array[];
  activations: Float32Array[];
}

/** Program counter: instruction, element, reduction step (docs/PROTOCOL.md §2.2). */
export interface Pc {
  instr: number;
  elem: number;
  k: number;
}

export const CANONICAL_NAN_BITS = 0x7fc00000;

export function slotOf(memory: Memory, ref: SlotRef): Float32Array {
  switch (ref.space) {
    case Space.Weight:
      return memory.weights[ref.index];
    case Space.Input:
      return memory.inputs[ref.index];
    case Space.Activation:
      return memory.activations[ref.index];
  }
}

/** Memory at step 0: the program's weights, the given inputs, zeroed activations. */
export function initialMemory(program: Program, inputs: Float32Array[]): Memory {
  if (inputs.length !== program.inputs.length) {
    throw new Error(`expected ${program.inputs.length} input tensors, got ${inputs.length}`);
  }
  return {
    weights: program.weights.map((w) => w.data),
    inputs,
    activations: program.activations.map((a) => new Float32Array(a.length)),
  };
}
