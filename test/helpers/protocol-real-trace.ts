// Real model traces for the protocol tests: a compiled model's commitment parts, and a
// scenario (honest run, lies, one-step proofs) on top of TraceCommitter / buildWitness.
import { Program } from "../../node/program/isa";
import { CompiledModel } from "../../node/compiler/api";
import { TraceCommitter } from "../../node/commit";
import { Run } from "../../node/agents/model-run";
import { execute } from "../../node/vm";
import { GarbageTrace, LieKind, ModelPartsStruct, Scenario, StepProver, TraceProvider, f32Bytes } from "./toy-trace";

import { modelPartsOf } from "../../node/chain/encoding";

export { modelPartsOf };

/** A run of the node (the agents' Run: states, one-step proofs, claim) with a label. */
export class CommittedTrace extends Run implements TraceProvider {
  constructor(
    readonly label: string,
    trace: TraceCommitter,
  ) {
    super(trace);
  }
}

/**
 * The real scenario: the honest run of `model` on `inputs`, its lies (the honest final
 * memory with one activation value altered, so the trace differs from that value's write
 * on), and one-step proofs from `encodeProof(trace, s)` (the verifier's proof format).
 */
export class RealScenario implements Scenario {
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  readonly steps: number;
  readonly input: string;
  readonly honest: CommittedTrace;
  readonly prover: StepProver;
  private readonly program: Program;

  constructor(
    readonly name: string,
    readonly model: CompiledModel,
    readonly inputs: Float32Array[],
    encodeProof: (trace: TraceCommitter, s: number) => string,
    falseProof: (trace: TraceCommitter, s: number) => string,
  ) {
    const { parts, commitment } = modelPartsOf(model);
    this.parts = parts;
    this.modelId = commitment;
    this.program = model.program;
    this.input = f32Bytes(inputs);
    const trace = TraceCommitter.build(this.program, execute(this.program, inputs));
    this.steps = trace.N;
    this.honest = new CommittedTrace("honest", trace);
    this.prover = { proofAt: (s) => encodeProof(trace, s), falseProofAt: (s) => falseProof(trace, s) };
  }

  /** A claimer reporting `value` as the first output: the honest final memory with that value written. */
  withFirstOutput(label: string, value: number): CommittedTrace {
    return this.altered(label, this.program.outputs[0].slot.index, 0, value);
  }

  /** The honest final memory with activation slot `slot`, element `elem` changed (by +0.5 by default). */
  private altered(label: string, slot: number, elem: number, value?: number): CommittedTrace {
    const final = this.honest.trace.memory;
    const activations = final.activations.map((a) => a.slice());
    activations[slot][elem] = Math.fround(value ?? activations[slot][elem] + 0.5);
    const memory = { weights: final.weights, inputs: final.inputs, activations };
    return new CommittedTrace(
      label,
      TraceCommitter.build(this.program, memory, {
        weights: this.honest.trace.weights,
        programTree: this.honest.trace.programTree,
      }),
    );
  }

  lie(kind: LieKind): TraceProvider {
    const out = this.program.outputs[0].slot.index;
    // A slot written in the middle of the program, not an output.
    const mid = this.program.instructions[Math.floor(this.program.instructions.length / 2)].out.index;
    switch (kind) {
      case "output":
        return this.altered("lies about the output", out, 0);
      case "intermediate":
        return this.altered("lies about one intermediate value", mid, 1);
      case "finalState":
        return this.altered("lies about the final state, output right", mid, 0);
      case "dissection":
        return new GarbageTrace("posts garbage dissection hashes", this.altered("", out, 0));
    }
  }
}
