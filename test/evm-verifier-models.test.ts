// One-step proofs on the EVM for the model families of issue 12: a runtime-index gather
// (nn.Embedding on int64 token ids, compiled as a one-hot product over Equal/Where steps), an
// LSTM and a GRU (torch exports, unrolled), and a GPT-style decoder's attention. For every distinct (kind, op) of each program,
// the first and last step of its first instruction are proven: the verifier contract must
// return the node's post-state hash. Token ids out of range and negative ones are included:
// a runtime index has a defined step result whatever its value (PROTOCOL §2).
// Run: npx hardhat test test/evm-verifier-models.test.ts
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { compileModel } from "../node/compiler/compile";
import { TraceCommitter, buildWitness, encodeWitness, initHasher, stateHash, toHex } from "../node/commit";
import { Kind, MapOp, ReduceOp, Program, stepCount } from "../node/program/isa";
import { execute } from "../node/vm/execute";
import { instructionStarts } from "../node/vm/layout";
import { seededInputs } from "./helpers/models";
import type { OneStepVerifier } from "../typechain-types";
import { deployVerifier } from "./helpers/verifier";

const FIXTURES = join(__dirname, "fixtures");

function keyOf(p: Program, i: number): string {
  const ins = p.instructions[i];
  const op = ins.kind === Kind.Reduce ? ReduceOp[ins.op] : ins.kind === Kind.Move ? "" : MapOp[ins.op];
  return `${Kind[ins.kind]}.${op}`;
}

/** The first and last step of the first instruction of every distinct (kind, op). */
function coveringSteps(p: Program): { step: number; key: string }[] {
  const starts = instructionStarts(p);
  const seen = new Set<string>();
  const out: { step: number; key: string }[] = [];
  p.instructions.forEach((ins, i) => {
    const key = keyOf(p, i);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ step: starts[i], key }, { step: starts[i] + stepCount(ins) - 1, key });
  });
  return out;
}

describe("one-step proofs on the EVM: runtime gather, LSTM and GRU steps", function () {
  this.timeout(300_000);
  let verifier: OneStepVerifier;
  before(async () => {
    await initHasher();
    verifier = await deployVerifier();
  });

  /** Compiles `file`, runs it on `inputsOf(program)` and proves its covering steps on the EVM. */
  async function proveAll(file: string, inputsOf: (p: Program) => Float32Array[]): Promise<string[]> {
    const { program } = compileModel(readFileSync(join(FIXTURES, file)));
    const run = execute(program, inputsOf(program));
    const trace = await TraceCommitter.create(program, run);
    const root = toHex(trace.programTree.root);
    const keys: string[] = [];
    const gas = new Map<string, bigint>();
    for (const { step, key } of coveringSteps(program)) {
      const w = buildWitness(trace, step);
      const proof = encodeWitness(w);
      const pre = toHex(stateHash(w.pre));
      const post = await verifier.step(root, pre, proof);
      expect(post, `${file} step ${step} (${key})`).to.equal(toHex(w.postHash));
      expect(post, "a step changes the state").to.not.equal(pre);
      keys.push(key);
      // As a transaction would pay it, calldata included (the dispute game's step adds its own).
      const g = await verifier.step.estimateGas(root, pre, proof);
      if (g > (gas.get(key) ?? 0n)) gas.set(key, g);
    }
    console.log(`      ${file}: max gas per kind ${[...gas].map(([k, g]) => `${k} ${g}`).join(", ")}`);
    return keys;
  }

  const seeded = (seed: number) => (p: Program) =>
    seededInputs(
      p.inputs.map((i) => i.dims),
      seed,
    );

  it("embedding lookup on token ids, in range, negative (wrapped) and out of range (no row: zeros)", async () => {
    // Vocabulary 50: −1 wraps to row 49; 50 and 1000 select no row.
    const keys = await proveAll("embedding_mlp.onnx", (p) => {
      expect(p.inputs[0].dims).to.deep.equal([1, 8]);
      return [Float32Array.from([0, 7, 49, -1, -50, 50, 1000, 3])];
    });
    for (const k of ["Map.Equal", "Map.Less", "Map.Where", "Dot.None"]) expect(keys, k).to.include(k);
  });

  it("LSTM classifier (2 layers, bidirectional)", async () => {
    const keys = await proveAll("lstm_classifier.onnx", seeded(5));
    for (const k of ["Map.Sigmoid", "Map.Tanh", "Map.Mul", "Map.Add"]) expect(keys, k).to.include(k);
  });

  it("GPT-style decoder: embedding lookups, attention (scores, causal mask, softmax), LM head", async () => {
    const keys = await proveAll("gpt_decoder.onnx", () => [Float32Array.from({ length: 16 }, (_, i) => (i * 37) % 96)]);
    for (const k of ["Map.Equal", "Map.Where", "Dot.None", "Reduce.Max", "Reduce.Sum", "Map.Exp"])
      expect(keys, k).to.include(k);
  });

  it("GRU classifier", async () => {
    const keys = await proveAll("gru_classifier.onnx", seeded(6));
    for (const k of ["Map.Sigmoid", "Map.Tanh"]) expect(keys, k).to.include(k);
  });
});
