// The state at any step of a run, from the final memory of that run (docs/PROTOCOL.md §4).
//
// Activation slots are SSA and written in element order, so at pc = (i, e, k) a slot is
// either final (its writer is < i), a prefix of e values (its writer is i) or zero (written
// later or never). Every slot tree is built once from the final memory; a state query then
// costs one prefix root (O(D) hashes), one activation-space update (O(log #slots), or one
// rebuild of the space tree when the instruction changes) and the partial reduction of
// one element: well under a second even for 10^8-step programs.
import { Program, SlotRef, Space, product } from "../program/isa";
import { pcAtStep, programSteps } from "../vm/layout";
import type { Memory, Pc } from "../vm/memory";
import { MachineState, partialAccumulator, step } from "../vm/step";
import { MEMORY_NODE } from "./domains";
import { Bytes32, initHasher, isHasherReady, toHex } from "./keccak";
import { MerkleTree } from "./merkle";
import { defaultThreads, hashPool } from "./hash-pool";
import { SpaceTrees } from "./memory-root";
import { ProgramTree } from "./program-root";
import { StateParts, stateHash } from "./state";
import { SlotTree, buildSlotTrees } from "./tree";

export interface TraceState {
  step: number;
  pc: Pc;
  acc: number;
  roots: { weights: Bytes32; inputs: Bytes32; activations: Bytes32 };
  hash: Bytes32;
}

export function stateParts(s: TraceState): StateParts {
  return {
    weightsRoot: s.roots.weights,
    inputsRoot: s.roots.inputs,
    activationsRoot: s.roots.activations,
    pc: s.pc,
    acc: s.acc,
  };
}

export interface TraceCommitterOptions {
  /** Weight trees built before (they depend on the model only): reused, not rebuilt. */
  weights?: SpaceTrees;
  programTree?: ProgramTree;
}

export interface TraceCommitterCreateOptions extends TraceCommitterOptions {
  /**
   * Worker threads hashing the slot trees (hash-pool.ts); default: every available core.
   * 0 hashes on the calling thread (as `build` does), blocking it.
   */
  threads?: number;
}

/** The slot trees a committer is made of, however they were built. */
interface Trees {
  programTree: ProgramTree;
  weights: SpaceTrees;
  inputs: SpaceTrees;
  activations: SlotTree[];
}

export class TraceCommitter {
  readonly program: Program;
  readonly memory: Memory;
  /** Total steps: stateAt(N) is the halted state. */
  readonly N: number;
  readonly programTree: ProgramTree;
  readonly weights: SpaceTrees;
  readonly inputs: SpaceTrees;
  /** Trees of the FINAL activation slots. */
  readonly activations: readonly SlotTree[];
  /** Instruction writing each activation slot, or -1 if none (the slot stays zero). */
  private readonly writer: Int32Array;
  /** Activation space tree at the instruction last queried (see activationSpaceAt). */
  private spaceCache: { instr: number; elem: number; tree: MerkleTree } | null = null;
  /** Accumulator at the pc last queried. */
  private accCache: (Pc & { acc: number }) | null = null;

  private constructor(program: Program, memory: Memory, writer: Int32Array, trees: Trees) {
    this.program = program;
    this.memory = memory;
    this.N = programSteps(program);
    this.writer = writer;
    this.programTree = trees.programTree;
    this.weights = trees.weights;
    this.inputs = trees.inputs;
    this.activations = trees.activations;
  }

  /** Build from a program and the final memory of one run, on this thread. Needs initHasher() done. */
  static build(program: Program, memory: Memory, options: TraceCommitterOptions = {}): TraceCommitter {
    if (!isHasherReady())
      throw new Error("TraceCommitter.build before initHasher(): use TraceCommitter.create or await initHasher()");
    const writer = TraceCommitter.check(program, memory, options);
    return new TraceCommitter(program, memory, writer, {
      programTree: options.programTree ?? ProgramTree.build(program),
      weights: options.weights ?? SpaceTrees.build(memory.weights),
      inputs: SpaceTrees.build(memory.inputs),
      activations: buildSlotTrees(memory.activations),
    });
  }

  /**
   * The same commitments as `build`, the slot trees hashed on `threads` worker threads
   * (default: every available core) while this thread builds the program tree.
   */
  static async create(
    program: Program,
    memory: Memory,
    options: TraceCommitterCreateOptions = {},
  ): Promise<TraceCommitter> {
    await initHasher();
    const threads = options.threads ?? defaultThreads();
    if (!(Number.isSafeInteger(threads) && threads >= 0)) throw new RangeError(`threads must be ≥ 0, got ${threads}`);
    if (threads === 0) return TraceCommitter.build(program, memory, options);
    const writer = TraceCommitter.check(program, memory, options);
    const spaces = [options.weights === undefined ? memory.weights : [], memory.inputs, memory.activations];
    const hashing = hashPool().buildSlotTrees(spaces, threads);
    // Overlaps the workers (the pool's copy of the values happened before the first await).
    let programTree: ProgramTree;
    try {
      programTree = options.programTree ?? ProgramTree.build(program);
    } catch (e) {
      await hashing.catch(() => undefined);
      throw e;
    }
    const [weights, inputs, activations] = await hashing;
    return new TraceCommitter(program, memory, writer, {
      programTree,
      weights: options.weights ?? SpaceTrees.fromSlots(weights),
      inputs: SpaceTrees.fromSlots(inputs),
      activations,
    });
  }

  /** Check the memory against the program; the instruction writing each activation slot. */
  private static check(program: Program, memory: Memory, options: TraceCommitterOptions): Int32Array {
    checkMemory(program, memory);
    const writer = new Int32Array(program.activations.length).fill(-1);
    program.instructions.forEach((ins, i) => {
      const j = ins.out.index;
      if (ins.out.space !== Space.Activation || !(j >= 0 && j < writer.length)) {
        throw new RangeError(`instruction ${i}: output is not an activation slot of the program`);
      }
      if (writer[j] !== -1) throw new RangeError(`activation slot ${j} written by instructions ${writer[j]} and ${i}`);
      writer[j] = i;
    });
    if (options.weights !== undefined && options.weights.slots.length !== program.weights.length) {
      throw new RangeError("TraceCommitter: the given weight trees do not match the program's weight slots");
    }
    return writer;
  }

  /** How many leading values of activation slot j are written at pc (the rest are zero). */
  writtenPrefix(j: number, pc: Pc): number {
    const w = this.writer[j];
    if (w === -1 || w > pc.instr) return 0;
    if (w < pc.instr) return this.activations[j].length;
    return pc.elem;
  }

  /** Root of activation slot j at pc. */
  activationSlotRoot(j: number, pc: Pc): Bytes32 {
    return this.activations[j].prefixRoot(this.writtenPrefix(j, pc));
  }

  /**
   * The activation space tree at pc. Cached per instruction: moving within one instruction
   * updates one leaf (the slot being written); moving to another instruction rebuilds the
   * small tree over the slot roots. The returned tree is shared and changes on the next
   * call: read what you need from it before querying another pc.
   */
  activationSpaceAt(pc: Pc): MerkleTree {
    const c = this.spaceCache;
    const halted = pc.instr === this.program.instructions.length;
    const out = halted ? -1 : this.program.instructions[pc.instr].out.index;
    if (c !== null && c.instr === pc.instr) {
      if (!halted && c.elem !== pc.elem) {
        c.tree.update(out, this.activations[out].prefixRoot(pc.elem));
        c.elem = pc.elem;
      }
      return c.tree;
    }
    const roots = this.activations.map((_, j) => this.activationSlotRoot(j, pc));
    const tree = MerkleTree.fromList(MEMORY_NODE, roots);
    this.spaceCache = { instr: pc.instr, elem: pc.elem, tree };
    return tree;
  }

  /** The machine state after s steps (0 ≤ s ≤ N). */
  stateAt(s: number): TraceState {
    const pc = pcAtStep(this.program, s);
    return this.stateAtPc(s, pc);
  }

  /**
   * acc at pc: the partial reduction of pc's element. Sequential queries inside one element
   * (a bisection narrowing down, a walk over every step) continue from the last one instead
   * of replaying the reduction from k = 0.
   */
  private accumulatorAt(pc: Pc): number {
    const c = this.accCache;
    if (pc.k === 0 || c === null || c.instr !== pc.instr || c.elem !== pc.elem || c.k > pc.k) {
      const acc = partialAccumulator(this.program, this.memory, pc);
      this.accCache = { ...pc, acc };
      return acc;
    }
    let state: MachineState = { pc: { instr: c.instr, elem: c.elem, k: c.k }, acc: c.acc };
    while (state.pc.k < pc.k) state = step(this.program, this.memory, state);
    this.accCache = { ...pc, acc: state.acc };
    return state.acc;
  }

  private stateAtPc(s: number, pc: Pc): TraceState {
    const acc = this.accumulatorAt(pc);
    const roots = {
      weights: this.weights.root(),
      inputs: this.inputs.root(),
      activations: this.activationSpaceAt(pc).root(),
    };
    const hash = stateHash({
      weightsRoot: roots.weights,
      inputsRoot: roots.inputs,
      activationsRoot: roots.activations,
      pc,
      acc,
    });
    return { step: s, pc, acc, roots, hash };
  }

  initialState(): TraceState {
    return this.stateAt(0);
  }

  /** The halted state, state N. */
  finalState(): TraceState {
    return this.stateAt(this.N);
  }

  /** 0x-hex state hash at step s. */
  stateHashHex(s: number): string {
    return toHex(this.stateAt(s).hash);
  }

  /** Tree of a slot in its FINAL contents (weights and inputs never change). */
  slotTree(ref: SlotRef): SlotTree {
    switch (ref.space) {
      case Space.Weight:
        return this.weights.slots[ref.index];
      case Space.Input:
        return this.inputs.slots[ref.index];
      case Space.Activation:
        return this.activations[ref.index];
    }
  }
}

/** The memory has the program's slots, each of its length. */
function checkMemory(program: Program, memory: Memory): void {
  const check = (what: string, got: readonly Float32Array[], want: number[]): void => {
    if (got.length !== want.length)
      throw new RangeError(`memory has ${got.length} ${what} slots, program ${want.length}`);
    got.forEach((a, i) => {
      if (a.length !== want[i])
        throw new RangeError(`memory ${what} slot ${i} has ${a.length} values, program ${want[i]}`);
    });
  };
  check(
    "weight",
    memory.weights,
    program.weights.map((w) => w.data.length),
  );
  check(
    "input",
    memory.inputs,
    program.inputs.map((s) => product(s.dims)),
  );
  check(
    "activation",
    memory.activations,
    program.activations.map((a) => a.length),
  );
}
