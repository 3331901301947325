// Traces for the dispute game tests, behind one interface so the game mechanics are tested
// with a toy trace + toy verifier (contracts/test/AlphabetVerifier.sol) and the same tests
// run with the real verifier on real model traces (see protocol-real-trace.ts).
//
// A trace provider answers "state hash at step s" for one party's view of a run, and
// carries what that party posts as its claim (outputs, final state, output proofs). A
// prover answers "one-step proof of step s" from the honest run. A cheating claimer is a
// trace provider that differs from the honest one somewhere.
import { AbiCoder, keccak256 as ethersKeccak, toBeHex, zeroPadValue } from "ethers";
import { Space, product } from "../../node/program/isa";
import { SpaceTrees, spaceRoot, toHex, zeroSlotRoot } from "../../node/commit";
import {
  ClaimData,
  ModelPartsStruct,
  TensorSpecStruct,
  claimOf,
  commitmentOf,
  f32Bytes,
  programRootHex,
  stateHashHex,
} from "../../node/chain/encoding";
import type { GameTrace } from "../../node/agents/responder";

// The protocol structs and encodings live in node/chain; tests import them from here too.
export * from "../../node/chain/encoding";

const abi = AbiCoder.defaultAbiCoder();

// ---------------------------------------------------------------------------------------
// Interfaces shared by the toy and the real traces

/**
 * One party's view of a run: the state hash and one-step proof at every step (the agents'
 * GameTrace, so an agent can play from it), and the claim it posts.
 */
export interface TraceProvider extends GameTrace {
  readonly label: string;
  /** N: stateAt(N) is the halted state. */
  readonly steps: number;
  readonly claim: ClaimData;
}

/** One-step proofs of the honest run: the proof of step s turns S_s into S_{s+1}. */
export interface StepProver {
  proofAt(s: number): string;
  /** A proof the verifier must refuse when it is submitted for step s. */
  falseProofAt(s: number): string;
}

/** The ways a claimer can lie, each a trace provider built from the honest run. */
export type LieKind =
  | "output" // wrong output, consistent claim, honest states before N
  | "intermediate" // honest up to a middle step, a different run from there
  | "dissection" // wrong final state and garbage in every dissection hash
  | "finalState"; // right output, wrong final state

/** A model, a request input, the honest run and its lies: what the shared behaviours need. */
export interface Scenario {
  readonly name: string;
  /** ModelRegistry.register's ModelParts, as an ethers struct. */
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  readonly steps: number;
  /** Request input bytes (§5.1). */
  readonly input: string;
  readonly honest: TraceProvider;
  readonly prover: StepProver;
  lie(kind: LieKind): TraceProvider;
}

// ---------------------------------------------------------------------------------------
// The toy model and trace

/** A deterministic pseudo-random float in [-1, 1) per (seed, i). */
function toyValue(seed: number, i: number): number {
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  return Math.fround((x / 4294967296) * 2 - 1);
}

export interface ToyModelOptions {
  /** N, any value ≥ 1: the toy trace needs no execution. */
  steps: number;
  /** Varies the weights (and so the model id). */
  seed?: number;
  /** Values of the "probs" output (activation slot 3); 2 by default. Large for size tests. */
  probsValues?: number;
}

/**
 * A toy model with the shape of a real one: 2 weight slots, 2 inputs (3 and 10 values, so
 * the second input starts mid-word in the request bytes), 4 activation slots, 3 outputs in
 * two spaces (two activation slots and the first input passed through). Its "execution"
 * is a fixed function of the inputs; its trace between 0 and N is the AlphabetVerifier's.
 */
export class ToyModel {
  readonly steps: number;
  readonly weights: Float32Array[];
  readonly weightTrees: SpaceTrees;
  readonly inputSpecs: TensorSpecStruct[] = [
    { space: Space.Input, slotIndex: 0, dims: [1, 3], name: "x" },
    { space: Space.Input, slotIndex: 1, dims: [2, 5], name: "y" },
  ];
  readonly activationLengths: number[];
  readonly outputSpecs: TensorSpecStruct[];
  readonly instructions = 3;
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  readonly programRoot: string;

  constructor(options: ToyModelOptions) {
    const seed = options.seed ?? 1;
    const probs = options.probsValues ?? 2;
    this.activationLengths = [4, 9, 1, probs];
    this.outputSpecs = [
      { space: Space.Activation, slotIndex: 2, dims: [1, 1], name: "score" },
      { space: Space.Activation, slotIndex: 3, dims: [probs], name: "probs" },
      { space: Space.Input, slotIndex: 0, dims: [1, 3], name: "x_echo" },
    ];
    this.steps = options.steps;
    this.weights = [5, 20].map((n, j) => Float32Array.from({ length: n }, (_, i) => toyValue(seed * 7 + j, i)));
    this.weightTrees = SpaceTrees.build(this.weights);
    const initialActivations = toHex(spaceRoot(this.activationLengths.map((l) => zeroSlotRoot(l))));
    this.parts = {
      program: {
        instructionTreeRoot: ethersKeccak(zeroPadValue(toBeHex(seed), 32)),
        instructions: this.instructions,
        weightSlots: this.weights.length,
        inputSlots: this.inputSpecs.length,
        activationSlots: this.activationLengths.length,
      },
      weightsRoot: toHex(this.weightTrees.root()),
      initialActivationsRoot: initialActivations,
      steps: BigInt(this.steps),
      inputs: this.inputSpecs,
      outputs: this.outputSpecs,
      onnxFileHash: ethersKeccak(zeroPadValue(toBeHex(seed + 1000), 32)),
      compilerVersion: 1,
    };
    this.modelId = commitmentOf(this.parts);
    this.programRoot = programRootHex(this.parts);
  }

  /** Seeded request inputs. */
  inputs(seed: number): Float32Array[] {
    return this.inputSpecs.map((s, j) =>
      Float32Array.from({ length: product(s.dims) }, (_, i) => toyValue(seed * 31 + j, i)),
    );
  }

  /** The toy execution: final activation slots as a fixed function of the inputs. */
  execute(inputs: readonly Float32Array[]): Float32Array[] {
    const sum = inputs.reduce((a, x) => a + x.reduce((b, y) => b + y, 0), 0);
    return this.activationLengths.map((l, j) =>
      Float32Array.from({ length: l }, (_, e) => Math.fround(Math.fround(sum * (j + 1)) + e + this.weights[0][e % 5])),
    );
  }

  /** The toy scenario for `inputs`: the honest run, its lies and the AlphabetVerifier prover. */
  scenario(inputSeed = 1): ToyScenario {
    return new ToyScenario(this, this.inputs(inputSeed));
  }
}

/** A run of the toy trace: S_0 real, S_s = keccak(abi.encode(S_0, s)) inside, S_N real. */
export class ToyTrace implements TraceProvider {
  constructor(
    readonly label: string,
    readonly steps: number,
    readonly initial: string,
    readonly claim: ClaimData,
    /** The seed of the inner states: the honest run uses S_0. */
    private readonly innerSeed: string = initial,
    /** From this step on (0 < from ≤ N) the inner states use `innerSeed`; before, S_0's. */
    private readonly from: number = 1,
  ) {}

  stateAt(s: number): string {
    if (s === 0) return this.initial;
    if (s >= this.steps) return this.claim.finalStateHash;
    const seed = s >= this.from ? this.innerSeed : this.initial;
    return abiKeccak(seed, s);
  }

  /** The AlphabetVerifier's proof of step s: abi.encode(S_0, s). It proves the run of S_0, so a liar's proof refutes its own lie. */
  proofAt(s: number): string {
    return toyProof(this.initial, s);
  }
}

function toyProof(initial: string, s: number): string {
  return abi.encode(["bytes32", "uint64"], [initial, s]);
}

function abiKeccak(seed: string, s: number): string {
  return ethersKeccak(abi.encode(["bytes32", "uint64"], [seed, s]));
}

/** A claimer answering every dissection query with a fresh random hash. */
export class GarbageTrace implements TraceProvider {
  private n = 0;
  constructor(
    readonly label: string,
    private readonly base: TraceProvider,
  ) {}
  get steps(): number {
    return this.base.steps;
  }
  get claim(): ClaimData {
    return this.base.claim;
  }
  stateAt(s: number): string {
    if (s === 0 || s >= this.steps) return this.base.stateAt(s);
    return ethersKeccak(abi.encode(["string", "uint256", "uint256"], ["garbage", s, this.n++]));
  }
  proofAt(s: number): string {
    return this.base.proofAt(s);
  }
}

export class ToyScenario implements Scenario {
  readonly name = "toy";
  readonly parts: ModelPartsStruct;
  readonly modelId: string;
  readonly steps: number;
  readonly input: string;
  readonly honest: ToyTrace;
  readonly prover: StepProver;
  readonly initial: string;
  private readonly inputTrees: SpaceTrees;

  constructor(
    readonly model: ToyModel,
    readonly inputs: Float32Array[],
  ) {
    this.parts = model.parts;
    this.modelId = model.modelId;
    this.steps = model.steps;
    this.input = f32Bytes(inputs);
    this.inputTrees = SpaceTrees.build(inputs);
    this.initial = stateHashHex(
      model.parts.weightsRoot,
      toHex(this.inputTrees.root()),
      model.parts.initialActivationsRoot,
      0,
    );
    this.honest = new ToyTrace("honest", this.steps, this.initial, this.claimFor(model.execute(inputs)));
    const initial = this.initial;
    this.prover = {
      proofAt: (s: number) => toyProof(initial, s),
      // Names another step than the one disputed: the pre-state check refuses it.
      falseProofAt: (s: number) => toyProof(initial, s + 1),
    };
  }

  /** Claim data for final activations `acts`. */
  claimFor(acts: Float32Array[]): ClaimData {
    return claimOf(
      this.model.instructions,
      { weights: this.model.weightTrees, inputs: this.inputTrees, activations: SpaceTrees.build(acts) },
      this.model.outputSpecs,
    );
  }

  lie(kind: LieKind): TraceProvider {
    const acts = this.model.execute(this.inputs).map((a) => a.slice());
    const { steps, initial } = this;
    switch (kind) {
      case "output": {
        acts[2][0] = Math.fround(acts[2][0] + 1);
        return new ToyTrace("lies about the output", steps, initial, this.claimFor(acts));
      }
      case "finalState": {
        acts[0][1] = Math.fround(acts[0][1] + 1); // slot 0 is no output
        return new ToyTrace("lies about the final state, output right", steps, initial, this.claimFor(acts));
      }
      case "intermediate": {
        acts[2][0] = Math.fround(acts[2][0] + 1);
        const from = Math.max(1, Math.floor(steps / 3));
        return new ToyTrace(
          `lies from step ${from}`,
          steps,
          initial,
          this.claimFor(acts),
          abiKeccak(initial, 0xdead),
          from,
        );
      }
      case "dissection": {
        acts[3][1] = Math.fround(acts[3][1] - 1);
        return new GarbageTrace(
          "posts garbage dissection hashes",
          new ToyTrace("", steps, initial, this.claimFor(acts)),
        );
      }
    }
  }
}
