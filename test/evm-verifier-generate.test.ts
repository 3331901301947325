// One-step proofs of a generation on the EVM (issue 13): a greedy decoding of kjv-gpt is one
// program, so a dispute over any generated token ends in one step the OneStepVerifier
// executes. Proven here: (a) the embedding lookup of a later token reading ids the program
// generated (and the context Move that carries them across the token boundary), (b) the
// attention of that token (QK MatMul, softmax, AV MatMul), (c) the argmax that picks a
// token. And disputes: a claim whose memory differs in one of those places (one token
// changed, one lookup, one softmax value) first differs from the honest trace at that very
// step (found by bisecting the state hashes, as the dissection game does), and the honest
// one-step proof there gives another post-state than the claim's.
// Run: npx hardhat test test/evm-verifier-generate.test.ts
import { deployVerifier } from "./helpers/verifier";
import { expect } from "chai";
import { keccak256 } from "ethers";
import * as fs from "fs";
import { join } from "path";
import { buildWitness, encodeWitness, initHasher, stateHash, toHex, TraceCommitter } from "../node/commit";
import { compilePipeline } from "../node/compiler/pipeline/link";
import { parseManifest } from "../node/compiler/pipeline/manifest";
import { readVocabulary, tokenizer } from "../node/io/bpe";
import { Kind, product, Program, reductionLength } from "../node/program/isa";
import { execute, executeInstruction } from "../node/vm/execute";
import { instructionStarts } from "../node/vm/layout";
import { Memory, slotOf } from "../node/vm/memory";
import type { OneStepVerifier } from "../typechain-types";

const ROOT = join(__dirname, "..");
const GPT = join(ROOT, "models", "kjv-gpt.onnx");
const VOCAB = join(ROOT, "models", "kjv-gpt.vocab.json");
const T = 3;

/** The step that writes element `e` of instruction `i` (the last of its K + 1 for Dot and Reduce). */
function writeStep(p: Program, starts: readonly number[], i: number, e: number): number {
  const ins = p.instructions[i];
  const per = ins.kind === Kind.Dot || ins.kind === Kind.Reduce ? reductionLength(ins) + 1 : 1;
  return starts[i] + e * per + per - 1;
}

describe("one-step proofs of a generation (kjv-gpt, greedy) on the EVM", function () {
  this.timeout(600_000);
  let verifier: OneStepVerifier;
  let program: Program;
  let memory: Memory;
  let trace: TraceCommitter;
  let starts: readonly number[];
  let prompt: number[];
  let generated: number[];
  let V: number;

  /** The instruction writing the activation named `name`. */
  function instr(name: string): number {
    const i = program.instructions.findIndex((ins) => program.activations[ins.out.index].name === name);
    expect(i, name).to.be.at.least(0);
    return i;
  }

  /** Proves step s on the EVM against the node's post-state; returns it. */
  async function prove(t: TraceCommitter, s: number, what: string): Promise<string> {
    const w = buildWitness(t, s);
    const pre = toHex(stateHash(w.pre));
    const post = await verifier.step(toHex(t.programTree.root), pre, encodeWitness(w));
    expect(post, `${what}: step ${s}`).to.equal(toHex(w.postHash));
    expect(post, `${what}: a step changes the state`).to.not.equal(pre);
    return post;
  }

  before(async () => {
    await initHasher();
    prompt = tokenizer(readVocabulary(VOCAB)).encode("And God said");
    const manifest = {
      format: "referee-pipeline-1",
      input: { name: "prompt", dims: [1, prompt.length], type: "int64" },
      steps: [
        {
          op: "generate",
          path: GPT,
          keccak256: keccak256(fs.readFileSync(GPT)),
          input: "tokens",
          output: "logits",
          from: "prompt",
          steps: T,
          to: "generated",
        },
      ],
      outputs: ["generated"],
    };
    program = compilePipeline(parseManifest(JSON.stringify(manifest), "test"), (p) => fs.readFileSync(p)).program;
    memory = execute(program, [Float32Array.from(prompt)]);
    generated = Array.from(slotOf(memory, program.outputs[0].slot));
    trace = await TraceCommitter.create(program, memory);
    starts = instructionStarts(program);
    verifier = await deployVerifier();
    V = program.instructions[instr("pipeline steps[0] (generate) token 0/argmax/index")].redDims[0];
  });

  it("(a) token 2's embedding lookup reads the tokens generated before it", async () => {
    const L = prompt.length + 2;
    // The context Move of token 2 copies token 1's argmax across the token boundary.
    const context = instr("pipeline steps[0] (generate) token 2/context");
    const window = slotOf(memory, program.instructions[context].out);
    expect(Array.from(window)).to.deep.equal([...prompt, generated[0], generated[1]]);
    await prove(trace, writeStep(program, starts, context, L - 1), "context Move, generated token 1");

    const index = instr("s0.2//gpt/tok/Gather_output_0/index"); // Where(i < 0, i + V, i)
    expect(program.instructions[index].inputs[2].slot).to.deep.equal(program.instructions[context].out);
    await prove(trace, writeStep(program, starts, index, L - 1), "index wrap");
    const onehot = instr("s0.2//gpt/tok/Gather_output_0/onehot"); // (i == v) over [1, L, V]
    const hit = (L - 1) * V + generated[1];
    expect(slotOf(memory, program.instructions[onehot].out)[hit]).to.equal(1);
    await prove(trace, writeStep(program, starts, onehot, hit), "one-hot of generated token 1");
    const lookup = instr("s0.2//gpt/tok/Gather_output_0"); // Σ_v onehot · E[v]
    const D = program.instructions[lookup].iterDims[2];
    await prove(trace, writeStep(program, starts, lookup, (L - 1) * D), "embedding row of generated token 1");
  });

  it("(b) token 2's attention: QK MatMul, softmax and AV MatMul", async () => {
    for (const name of [
      "s0.2//gpt/blocks/blocks.0/MatMul_output_0",
      "s0.2//gpt/blocks/blocks.0/Softmax_output_0/max",
      "s0.2//gpt/blocks/blocks.0/Softmax_output_0/exp",
      "s0.2//gpt/blocks/blocks.0/Softmax_output_0/sum",
      "s0.2//gpt/blocks/blocks.0/Softmax_output_0",
      "s0.2//gpt/blocks/blocks.3/MatMul_1_output_0",
    ]) {
      const i = instr(name);
      const E = product(program.instructions[i].iterDims);
      await prove(trace, starts[i], `${name}, first step`);
      await prove(trace, writeStep(program, starts, i, E - 1), `${name}, last step`);
    }
  });

  it("(c) the argmax that picks token 1: its maximum, and the write of the token", async () => {
    const extreme = instr("pipeline steps[0] (generate) token 1/argmax/extreme");
    await prove(trace, writeStep(program, starts, extreme, 0), "max of the logits");
    const index = instr("pipeline steps[0] (generate) token 1/argmax/index");
    expect(slotOf(memory, program.instructions[index].out)[0]).to.equal(generated[1]);
    await prove(trace, starts[index], "first candidate");
    await prove(trace, writeStep(program, starts, index, 0), "the token");
  });

  describe("disputes: a claim that differs in one place differs first at that step", () => {
    /** The memory of a run whose element `e` of instruction `i` is `value`, everything after recomputed from it. */
    function cheat(i: number, e: number, value: (honest: number) => number): Memory {
      const m = execute(program, [Float32Array.from(prompt)], { stopAt: i + 1 });
      const out = slotOf(m, program.instructions[i].out);
      out[e] = value(out[e]);
      for (let j = i + 1; j < program.instructions.length; j++) executeInstruction(program, m, j);
      return m;
    }

    /** The last step s whose state both traces agree on (bisection over [0, N]). */
    function lastAgreed(a: TraceCommitter, b: TraceCommitter): number {
      let lo = 0;
      let hi = a.N;
      expect(toHex(a.stateAt(lo).hash)).to.equal(toHex(b.stateAt(lo).hash));
      expect(toHex(a.stateAt(hi).hash)).to.not.equal(toHex(b.stateAt(hi).hash));
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (toHex(a.stateAt(mid).hash) === toHex(b.stateAt(mid).hash)) lo = mid;
        else hi = mid;
      }
      return lo;
    }

    async function dispute(name: string, e: number, value: (honest: number) => number): Promise<Memory> {
      const i = instr(name);
      const m = cheat(i, e, value);
      const claim = await TraceCommitter.create(program, m);
      const s = lastAgreed(trace, claim);
      expect(s, `${name}: the first disputed step writes element ${e}`).to.equal(writeStep(program, starts, i, e));
      const honest = await prove(trace, s, `${name} (honest)`);
      expect(honest).to.not.equal(toHex(claim.stateAt(s + 1).hash));
      return m;
    }

    it("another token 1 (the argmax's write): every later token's context changes", async () => {
      const m = await dispute("pipeline steps[0] (generate) token 1/argmax/index", 0, (t) => (t + 1) % V);
      const claimed = Array.from(slotOf(m, program.outputs[0].slot));
      expect(claimed[1]).to.equal((generated[1] + 1) % V);
      const window = slotOf(m, program.instructions[instr("pipeline steps[0] (generate) token 2/context")].out);
      expect(window[prompt.length + 1]).to.equal(claimed[1]);
    });

    it("token 2's embedding lookup misses the generated token", async () => {
      const L = prompt.length + 2;
      await dispute("s0.2//gpt/tok/Gather_output_0/onehot", (L - 1) * V + generated[1], () => 0);
    });

    it("token 2's softmax off by one ulp", async () => {
      const bits = new Uint32Array(1);
      const f = new Float32Array(bits.buffer);
      await dispute("s0.2//gpt/blocks/blocks.0/Softmax_output_0/exp", 5, (x) => {
        f[0] = x;
        bits[0] += 1;
        return f[0];
      });
    });
  });
});
