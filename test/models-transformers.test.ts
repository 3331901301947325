// Transformers exported by PyTorch (issue 12): a BERT-style encoder classifier built with
// nn.TransformerEncoder (int64 token ids, a bool padding mask) and a GPT-style decoder's
// forward pass (causal mask, tied LM head), made by scripts/make-transformer-models.py.
// Both compile and agree with onnxruntime on token ids spread over the vocabulary; the
// decoder's per-position argmax (its greedy next token) matches at every position.
// Run: npx hardhat test test/models-transformers.test.ts
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { compileModel } from "../node/compiler/compile";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { mulberry32 } from "../node/fo32/mulberry32";

const FIXTURES = join(__dirname, "fixtures");
const SEQ = 16;
const VOCAB = 96;

function tokens(seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: SEQ }, () => next() % VOCAB);
}

async function compare(
  file: string,
  inputs: Float32Array[],
): Promise<{ maxAbs: number; ours: Float32Array; ref: Float32Array }> {
  const bytes = readFileSync(join(FIXTURES, file));
  const { program } = compileModel(bytes);
  const ours = slotOf(execute(program, inputs), program.outputs[0].slot);
  const ort = await OrtRunner.create(bytes);
  try {
    const [ref] = await ort.run(program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] })));
    let maxAbs = 0;
    for (let i = 0; i < ours.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ours[i] - ref.data[i]));
    return { maxAbs, ours, ref: Float32Array.from(ref.data) };
  } finally {
    await ort.release();
  }
}

const argmaxRows = (a: Float32Array, cols: number) =>
  Array.from({ length: a.length / cols }, (_, r) => {
    let best = 0;
    for (let j = 1; j < cols; j++) if (a[r * cols + j] > a[r * cols + best]) best = j;
    return best;
  });

describe("transformers from PyTorch: BERT-style encoder and GPT-style decoder", function () {
  this.timeout(120_000);

  it("BERT-style encoder (int64 tokens, bool mask): logits within 1e-5 of onnxruntime, same class", async () => {
    const { program } = compileModel(readFileSync(join(FIXTURES, "bert_encoder.onnx")));
    expect(program.inputs.map((i) => i.elemType)).to.deep.equal(["int64", "bool"]);
    for (const [seed, valid] of [
      [1, 16],
      [2, 12],
      [3, 5],
    ]) {
      const mask = Float32Array.from({ length: SEQ }, (_, i) => (i < valid ? 1 : 0));
      const r = await compare("bert_encoder.onnx", [tokens(seed), mask]);
      expect(r.maxAbs, `seed ${seed}`).to.be.below(1e-5);
      expect(argmaxRows(r.ours, 3)).to.deep.equal(argmaxRows(r.ref, 3));
    }
  });

  it("GPT-style decoder forward pass: logits within 1e-4, the greedy next token equal at every position", async () => {
    for (const seed of [4, 5, 6]) {
      const r = await compare("gpt_decoder.onnx", [tokens(seed)]);
      expect(r.maxAbs, `seed ${seed}`).to.be.below(1e-4);
      expect(argmaxRows(r.ours, VOCAB)).to.deep.equal(argmaxRows(r.ref, VOCAB));
    }
  });
});
