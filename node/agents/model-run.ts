// A registered model as the agents see it: the compiled program, its registry parts and
// commitment, and runs on request inputs (with their claims and one-step proofs).
import { getBytes } from "ethers";
import { CompiledModel } from "../compiler/api";
import { Space, product, stepCount, stepsPerElement } from "../program/isa";
import { SpaceTrees, TraceCommitter, buildWitness, encodeWitness, toHex } from "../commit";
import { execute } from "../vm";
import { ClaimData, ModelPartsStruct, claimOf, modelPartsOf, specStruct } from "../chain/encoding";
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

/** One run of the model: the trace it commits to, and the claim its final state makes. */
export class Run implements GameTrace {
  readonly claim: ClaimData;
  readonly steps: number;
  constructor(readonly trace: TraceCommitter) {
    this.steps = trace.N;
    const p = trace.program;
    this.claim = claimOf(
      p.instructions.length,
      { weights: trace.weights, inputs: trace.inputs, activations: SpaceTrees.build(trace.memory.activations) },
      p.outputs.map(specStruct),
    );
  }
  stateAt(s: number): string {
    return toHex(this.trace.stateAt(Math.min(s, this.steps)).hash);
  }
  /** The one-step proof of step `s` (§6), from this run. */
  proofAt(s: number): string {
    return toHex(encodeWitness(buildWitness(this.trace, s)));
  }
}

export class ModelRun {
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  constructor(readonly model: CompiledModel) {
    const { parts, commitment } = modelPartsOf(model);
    this.parts = parts;
    this.modelId = commitment;
  }

  /** The honest run on the request's input bytes. */
  run(input: string): Run {
    const program = this.model.program;
    return new Run(TraceCommitter.build(program, execute(program, decodeInputs(this.model, input))));
  }

  /**
   * A corrupted run (a cheating operator): the honest final memory with the value written at
   * step `cheatAt` changed by +0.5 (so the trace differs from that step on, later values not
   * recomputed), and, when given, the first output value replaced by `output`.
   */
  corrupted(honest: Run, cheat: { cheatAt?: number; output?: number }): Run {
    const program = this.model.program;
    const final = honest.trace.memory;
    const activations = final.activations.map((a) => a.slice());
    if (cheat.cheatAt !== undefined) {
      let base = 0;
      for (const ins of program.instructions) {
        const n = stepCount(ins);
        if (cheat.cheatAt < base + n && ins.out.space === Space.Activation) {
          const elem = Math.floor((cheat.cheatAt - base) / stepsPerElement(ins));
          const a = activations[ins.out.index];
          a[elem] = Math.fround(a[elem] + 0.5);
          break;
        }
        base += n;
      }
    }
    if (cheat.output !== undefined) activations[program.outputs[0].slot.index][0] = Math.fround(cheat.output);
    const memory = { weights: final.weights, inputs: final.inputs, activations };
    return new Run(
      TraceCommitter.build(program, memory, { weights: honest.trace.weights, programTree: honest.trace.programTree }),
    );
  }
}
