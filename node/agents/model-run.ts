// A registered model as the agents see it: the compiled program, its registry parts and
// commitment, and runs on request inputs (their outputs at once; reveal data and one-step
// proofs from commitments built when a game needs them).
import { getBytes } from "ethers";
import { CompiledModel } from "../compiler/api";
import { Program, Space, product, stepCount, stepsPerElement } from "../program/isa";
import { ProgramTree, SpaceTrees, TraceCommitter, buildWitness, encodeWitness, toHex } from "../commit";
import { Memory, execute, executeSlots, programSteps, slotOf } from "../vm";
import { ClaimData, ModelPartsStruct, claimOf, f32Bytes, modelPartsOf, specStruct } from "../chain/encoding";
import type { GameTrace } from "./responder";

export type { ClaimData, ModelPartsStruct };

/** Request input bytes (§5.1: big-endian binary32, inputs concatenated) as one array per input. */
export function decodeInputs(model: CompiledModel, input: string): Float32Array[] {
  const bytes = getBytes(input);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  return model.program.inputs.map((spec) => {
    const n = product(spec.dims);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = dv.getFloat32(o);
    return a;
  });
}

/**
 * A run's outputs, its halted memory (which may be computed on first use: a claim needs
 * only the outputs), and how to build the commitments (trees) over it when a game needs them.
 */
export interface PendingTrace {
  readonly program: Program;
  readonly outputs: Float32Array[];
  readonly memory: Memory;
  commit(): TraceCommitter;
}

/**
 * One run of the model: its output bytes at once (what a claim carries and a challenger
 * compares, §5.2), the commitments only on demand. Claim flow v3 reveals the halted state
 * when a game opens, so the trees (most of a run's cost for small models) are built only
 * for disputed claims: by `claim`, `stateAt` or `proofAt`, once.
 */
export class Run implements GameTrace {
  /** The output values, big-endian binary32, concatenated (§5.2). */
  readonly output: string;
  readonly steps: number;
  private committer: TraceCommitter | null;
  private revealData: ClaimData | null = null;
  constructor(private readonly source: TraceCommitter | PendingTrace) {
    this.committer = source instanceof TraceCommitter ? source : null;
    const program = source.program;
    this.steps = programSteps(program);
    if (source instanceof TraceCommitter) {
      const spaces = [source.memory.weights, source.memory.inputs, source.memory.activations];
      this.output = f32Bytes(program.outputs.map((o) => spaces[o.slot.space][o.slot.index]));
    } else {
      this.output = f32Bytes(source.outputs);
    }
  }

  /** The halted memory of the run. */
  get memory(): Memory {
    return this.source.memory;
  }

  /** Whether the commitments are built (a claim disputed, or a committed trace given). */
  get committed(): boolean {
    return this.committer !== null;
  }

  /** The trace commitments over the run (built on first use). */
  get trace(): TraceCommitter {
    this.committer ??= (this.source as PendingTrace).commit();
    return this.committer;
  }

  /** The halted state a reveal proves (§5.2): roots, final state hash, output proofs. */
  get claim(): ClaimData {
    if (this.revealData === null) {
      const trace = this.trace;
      const p = trace.program;
      this.revealData = claimOf(
        p.instructions.length,
        // The committer's final activation trees (read-only here), not a second hashing of them.
        { weights: trace.weights, inputs: trace.inputs, activations: SpaceTrees.fromSlots(trace.activations) },
        p.outputs.map(specStruct),
      );
    }
    return this.revealData;
  }

  stateAt(s: number): string {
    return toHex(this.trace.stateAt(Math.min(s, this.steps)).hash);
  }
  /** The one-step proof of step `s` (§6), from this run. */
  proofAt(s: number): string {
    return toHex(encodeWitness(buildWitness(this.trace, s)));
  }
}

/** How a ModelRun executes: `threads` as in ExecuteOptions (default: the available cores). */
export interface ModelRunOptions {
  threads?: number;
}

export class ModelRun {
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  /** The model's weight and program trees, built with the first commitment and shared by later ones. */
  private shared: { weights: SpaceTrees; programTree: ProgramTree } | null = null;
  constructor(
    readonly model: CompiledModel,
    readonly options: ModelRunOptions = {},
  ) {
    const { parts, commitment } = modelPartsOf(model);
    this.parts = parts;
    this.modelId = commitment;
  }

  /**
   * The honest run on the request's input bytes: its outputs now (the trace is not
   * materialized: most claims are never disputed); the whole halted memory is computed
   * again, and committed, when a game needs it.
   */
  run(input: string): Run {
    const program = this.model.program;
    const inputs = decodeInputs(this.model, input);
    const threads = this.options.threads;
    const outputs = executeSlots(
      program,
      inputs,
      program.outputs.map((o) => o.slot),
      { threads },
    );
    let memory: Memory | null = null;
    return this.runOf(() => (memory ??= execute(program, inputs, { threads })), outputs);
  }

  /** A run whose halted memory is `memory()`; its trees reuse the model's once built. */
  private runOf(memory: () => Memory, outputs: Float32Array[]): Run {
    const program = this.model.program;
    return new Run({
      program,
      outputs,
      get memory() {
        return memory();
      },
      commit: () => {
        const trace = TraceCommitter.build(program, memory(), this.shared ?? {});
        this.shared ??= { weights: trace.weights, programTree: trace.programTree };
        return trace;
      },
    });
  }

  /**
   * A corrupted run (a cheating operator): the honest final memory with the value written at
   * step `cheatAt` changed by `delta` (default +0.5; so the trace differs from that step on,
   * later values not recomputed), and, when given, element `outputIndex` (default 0) of the
   * first output replaced by `output`.
   */
  corrupted(honest: Run, cheat: { cheatAt?: number; output?: number; outputIndex?: number; delta?: number }): Run {
    const program = this.model.program;
    const final = honest.memory;
    const activations = final.activations.map((a) => a.slice());
    if (cheat.cheatAt !== undefined) {
      let base = 0;
      for (const ins of program.instructions) {
        const n = stepCount(ins);
        if (cheat.cheatAt < base + n && ins.out.space === Space.Activation) {
          const elem = Math.floor((cheat.cheatAt - base) / stepsPerElement(ins));
          const a = activations[ins.out.index];
          a[elem] = Math.fround(a[elem] + (cheat.delta ?? 0.5));
          break;
        }
        base += n;
      }
    }
    if (cheat.output !== undefined)
      activations[program.outputs[0].slot.index][cheat.outputIndex ?? 0] = Math.fround(cheat.output);
    const memory: Memory = { weights: final.weights, inputs: final.inputs, activations };
    return this.runOf(
      () => memory,
      program.outputs.map((o) => slotOf(memory, o.slot)),
    );
  }
}
