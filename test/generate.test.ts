// Verified text generation (issue 13, docs/PROTOCOL.md §3.6 "generate"): greedy decoding of
// T tokens compiled to one program. The generated ids equal onnxruntime's greedy decoding,
// token by token; the decoder's weights are stored once whatever T; the model hash covers
// T, the prompt length, the context and the file; bad manifests and prompts get one line.
// Assertions are about agreement, never about the text a model writes.
// Run: npx hardhat test test/generate.test.ts
import { expect } from "chai";
import { keccak256 } from "ethers";
import * as fs from "fs";
import * as os from "os";
import { join } from "path";
import { initHasher } from "../node/commit";
import { compileModel } from "../node/compiler/compile";
import { compilePipeline, FileReader, generationLogits } from "../node/compiler/pipeline/link";
import { parseManifest, pipelineHash } from "../node/compiler/pipeline/manifest";
import { readVocabulary, tokenizer } from "../node/io/bpe";
import { OrtRunner } from "../node/reference/ort";
import { PipelineOrtRunner } from "../node/reference/pipeline";
import type { Program } from "../node/program/isa";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { lastJson, referee } from "./helpers/cli";
import { seededInputs } from "./helpers/models";

const ROOT = join(__dirname, "..");
const GPT = join(ROOT, "models", "kjv-gpt.onnx");
const VOCAB = join(ROOT, "models", "kjv-gpt.vocab.json");
/** tokens [1, t] → logits [1, t, 13] (test/fixtures/make_generate_models.py). */
const SEQ = join(__dirname, "fixtures", "tiny_lm_seq.onnx");
const read: FileReader = (p) => fs.readFileSync(p);

type Json = Record<string, unknown>;

function generation(file: string, P: number, T: number, context?: number, logits = "logits"): Json {
  return {
    format: "referee-pipeline-1",
    input: { name: "prompt", dims: [1, P], type: "int64" },
    steps: [
      {
        op: "generate",
        path: file,
        keccak256: keccak256(fs.readFileSync(file)),
        input: "tokens",
        output: logits,
        from: "prompt",
        steps: T,
        ...(context === undefined ? {} : { context }),
        to: "generated",
      },
    ],
    outputs: ["generated"],
  };
}

function compileJson(m: Json): Program {
  return compilePipeline(parseManifest(JSON.stringify(m), "test"), read).program;
}

function generate(program: Program, ids: readonly number[]): number[] {
  return Array.from(slotOf(execute(program, [Float32Array.from(ids)]), program.outputs[0].slot));
}

/** numpy's argmax of one row (first maximum), as the test's own reference. */
function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Greedy decoding with onnxruntime, written here: the model on each window, argmax in JS. */
async function ortGreedy(file: string, ids: readonly number[], T: number, context?: number): Promise<number[]> {
  const ort = await OrtRunner.create(fs.readFileSync(file));
  try {
    const tokens = [...ids];
    for (let t = 0; t < T; t++) {
      const window = context === undefined ? tokens : tokens.slice(-context);
      const [out] = await ort.run([{ name: "tokens", dims: [1, window.length], data: Float32Array.from(window) }]);
      const V = out.dims[out.dims.length - 1];
      tokens.push(argmax(out.data.subarray(out.data.length - V)));
    }
    return tokens.slice(ids.length);
  } finally {
    await ort.release();
  }
}

const weightFloats = (p: Program) => p.weights.reduce((a, w) => a + w.data.length, 0);

describe("generation: greedy decoding as one program", function () {
  this.timeout(600_000);
  const tok = tokenizer(readVocabulary(VOCAB));

  before(async () => {
    await initHasher();
  });

  describe("agrees with onnxruntime token by token", () => {
    for (const prompt of ["And God said", "In the beginning"]) {
      it(`kjv-gpt, ${JSON.stringify(prompt)}, 3 tokens`, async () => {
        const ids = tok.encode(prompt);
        const m = generation(GPT, ids.length, 3);
        const ours = generate(compileJson(m), ids);
        expect(ours).to.have.length(3);
        expect(ours, "the test's own greedy loop").to.deep.equal(await ortGreedy(GPT, ids, 3));
        // The reference pipeline runner (what `referee compare` uses) decodes the same.
        const parsed = parseManifest(JSON.stringify(m), "test");
        const ref = await PipelineOrtRunner.create(parsed, read);
        try {
          const [r] = await ref.run([{ name: "prompt", dims: [1, ids.length], data: Float32Array.from(ids) }]);
          expect(Array.from(r.data)).to.deep.equal(ours);
        } finally {
          await ref.release();
        }
      });
    }

    it("a context of 4 tokens slides over a 3-token prompt and 4 generated ones", async () => {
      const ids = tok.encode("And God said").slice(0, 3);
      const program = compileJson(generation(GPT, 3, 4, 4));
      expect(generate(program, ids)).to.deep.equal(await ortGreedy(GPT, ids, 4, 4));
      // Each token's window is at most 4 tokens: the embedding lookups' one-hots are 1x4x1024.
      const onehots = program.instructions.filter((ins) =>
        program.activations[ins.out.index].name.endsWith("/tok/Gather_output_0/onehot"),
      );
      expect(onehots.map((ins) => ins.iterDims[1])).to.deep.equal([3, 4, 4, 4]);
    });

    it("logits [1, t, V] are read at the last position", async () => {
      const ids = [1, 2, 3];
      const program = compileJson(generation(SEQ, 3, 6));
      const ours = generate(program, ids);
      expect(ours).to.deep.equal(await ortGreedy(SEQ, ids, 6));
      expect(new Set([...ids, ...ours]).size, "the context changes the tokens").to.be.above(2);
      // The logits the argmax reads are one row of V.
      expect(program.activations[generationLogits(program, 0, 5)!.index].length).to.equal(13);
    });

    it("`referee generate --compare`: every token agrees; `referee run` on its manifest gives the same state", async () => {
      const dir = fs.mkdtempSync(join(os.tmpdir(), "referee-generate-"));
      try {
        const manifest = join(dir, "gen.pipeline.json");
        const g = await referee(
          "generate",
          GPT,
          "--vocab",
          VOCAB,
          "--prompt",
          "And God said",
          "--tokens",
          "2",
          "--compare",
          "--write-manifest",
          manifest,
          "--json",
        );
        expect(g.code, g.stderr).to.equal(0);
        const out = lastJson(g) as {
          promptIds: number[];
          tokens: number[];
          text: string;
          finalStateHash: string;
          modelHash: string;
          compare: { tokens: number[]; agree: number; firstDifference: number | null; maxAbsError: number };
        };
        expect(out.promptIds).to.deep.equal(tok.encode("And God said"));
        expect(out.tokens).to.have.length(2);
        expect(out.text).to.equal(tok.decode(out.tokens));
        expect(out.compare.tokens).to.deep.equal(out.tokens);
        expect(out.compare.agree).to.equal(2);
        expect(out.compare.firstDifference).to.equal(null);
        expect(out.compare.maxAbsError).to.be.below(1e-4);

        // The written manifest names the decoder relative to itself and is the same model.
        const written = JSON.parse(fs.readFileSync(manifest, "utf8")) as { steps: { path: string }[] };
        expect(written.steps[0].path).to.not.match(/^\//);
        const input = join(dir, "prompt.json");
        fs.writeFileSync(input, JSON.stringify([out.promptIds]));
        const r = await referee("run", manifest, "--input", input, "--json");
        expect(r.code, r.stderr).to.equal(0);
        const run = lastJson(r) as { finalStateHash: string; outputs: { first: number[] }[] };
        expect(run.finalStateHash).to.equal(out.finalStateHash);
        expect(run.outputs[0].first).to.deep.equal(out.tokens);
        // Its input is int64: a fraction is refused as for an integer model input.
        fs.writeFileSync(input, JSON.stringify([[...out.promptIds.slice(1), 1.5]]));
        const bad = await referee("run", manifest, "--input", input);
        expect(bad.code).to.not.equal(0);
        expect(bad.stderr).to.match(/input 'prompt' \(int64\) element \d+ is 1\.5: expected an integer/);
        const c = await referee("model", "commit", manifest, "--json");
        expect(c.code, c.stderr).to.equal(0);
        expect(JSON.stringify(lastJson(c))).to.include(out.modelHash);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("the decoder's weights are stored once, not once per generated token", () => {
    const one = compileJson(generation(GPT, 3, 1));
    const six = compileJson(generation(GPT, 3, 6));
    const file = compileModel(fs.readFileSync(GPT), { shapes: { tokens: [1, 3] } }).program;
    expect(weightFloats(one)).to.be.at.most(weightFloats(file));
    // Six instances at lengths 3 … 8 add only their length-dependent constants (masks, positions).
    expect(weightFloats(six)).to.be.below(weightFloats(one) * 1.01);
    expect(six.instructions.length).to.be.above(5 * one.instructions.length);
  });

  describe("the model hash covers every field of the generation", () => {
    const hash = (m: Json) => pipelineHash(parseManifest(JSON.stringify(m), "test"));
    const base = generation(GPT, 4, 3, 16);
    const variants: [string, Json][] = [
      ["another token count", generation(GPT, 4, 4, 16)],
      ["another prompt length", generation(GPT, 5, 3, 16)],
      ["another context", generation(GPT, 4, 3, 15)],
      ["no context", generation(GPT, 4, 3)],
      ["another file", generation(SEQ, 4, 3, 16)],
      ["another output name", generation(GPT, 4, 3, 16, "other")],
    ];
    for (const [what, m] of variants) {
      it(what, () => expect(hash(m)).to.not.equal(hash(base)));
    }

    it("the input type: int64 and float32 differ; float32 manifests hash as before the field existed", () => {
      const float = { ...base, input: { name: "prompt", dims: [1, 4] } };
      expect(hash(float)).to.not.equal(hash(base));
      expect(hash({ ...base, input: { name: "prompt", dims: [1, 4], type: "float32" } })).to.equal(hash(float));
      // The canonical form has no type key for float32 inputs.
      expect(hash(float)).to.equal(
        keccak256(
          new TextEncoder().encode(
            "referee-pipeline-1\n" +
              JSON.stringify({
                format: "referee-pipeline-1",
                input: { name: "prompt", dims: [1, 4] },
                steps: [
                  {
                    op: "generate",
                    keccak256: keccak256(fs.readFileSync(GPT)),
                    input: "tokens",
                    output: "logits",
                    from: "prompt",
                    steps: 3,
                    context: 16,
                    to: "generated",
                  },
                ],
                outputs: ["generated"],
              }),
          ),
        ),
      );
    });
  });

  it("argmax steps: the first maximum, any axis, keepdims or not, as the reference's", async () => {
    const m = {
      format: "referee-pipeline-1",
      input: { name: "x", dims: [2, 3, 5] },
      steps: [
        { op: "argmax", input: "x", axis: 2, output: "last" },
        { op: "argmax", input: "x", axis: 1, keepdims: false, output: "middle" },
      ],
      outputs: ["last", "middle"],
    };
    const parsed = parseManifest(JSON.stringify(m), "argmax");
    const { program } = compilePipeline(parsed, read);
    expect(program.outputs.map((o) => o.dims)).to.deep.equal([
      [2, 3, 1],
      [2, 5],
    ]);
    const ref = await PipelineOrtRunner.create(parsed, read);
    try {
      for (const seed of [1, 2, 3]) {
        // Values in {-1, 0, 1}: many ties, so "the first maximum" is what is tested.
        const x = seededInputs([[2, 3, 5]], seed)[0].map((v) => Math.round(v));
        const mem = execute(program, [x]);
        const theirs = await ref.run([{ name: "x", dims: [2, 3, 5], data: x }]);
        program.outputs.forEach((o, i) => {
          expect(Array.from(slotOf(mem, o.slot)), `seed ${seed} ${o.name}`).to.deep.equal(Array.from(theirs[i].data));
        });
      }
    } finally {
      await ref.release();
    }
  });

  describe("bad prompts: one line naming the problem", () => {
    const cases: [string, string[], RegExp][] = [
      ["a character outside the vocabulary", ["--prompt", "And God @ said"], /the character '@' \(U\+0040\) is not/],
      [
        "a prompt longer than the context",
        ["--prompt", "And God said", "--context", "2"],
        /is \d+ tokens, more than the context of 2/,
      ],
      [
        "a context beyond the vocabulary's",
        ["--prompt", "And", "--context", String(tok.vocabulary.context + 1)],
        new RegExp(`--context must be in \\[1, ${tok.vocabulary.context}\\]`),
      ],
      ["no tokens", ["--prompt", "And", "--tokens", "0"], /--tokens T \(T ≥ 1\)/],
      ["an empty prompt", ["--prompt", ""], /the prompt is empty/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const all = ["generate", GPT, "--vocab", VOCAB, "--tokens", "1", ...args];
        const r = await referee(...all);
        expect(r.code).to.not.equal(0);
        const lines = r.stderr.trim().split("\n");
        expect(lines, r.stderr).to.have.length(1);
        expect(lines[0]).to.match(message);
      });
    }
  });

  describe("bad generation manifests: one line naming the problem", () => {
    const dir = fs.mkdtempSync(join(os.tmpdir(), "referee-generate-bad-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const step = (m: Json) => (m.steps as Json[])[0];
    const cases: [string, (m: Json) => void, RegExp][] = [
      ["no steps to generate", (m) => (step(m).steps = 0), /steps\[0\] \(generate\)\.steps must be an integer ≥ 1/],
      ["a zero context", (m) => (step(m).context = 0), /steps\[0\] \(generate\)\.context must be an integer ≥ 1/],
      ["an unknown field", (m) => (step(m).temperature = 1), /has an unknown field 'temperature'/],
      ["another input name", (m) => (step(m).input = "ids"), /the model has no input 'ids' \(inputs: tokens\)/],
      ["another output name", (m) => (step(m).output = "probs"), /the model has no output 'probs' \(outputs: logits\)/],
      [
        "a prompt of two rows",
        (m) => (m.input = { name: "prompt", dims: [2, 3], type: "int64" }),
        /'prompt' must be 1xP token ids, it is 2x3/,
      ],
      [
        "a prompt longer than the context",
        (m) => (step(m).context = 2),
        /'prompt' has 3 tokens, more than the context 2/,
      ],
      [
        "an unknown input type",
        (m) => (m.input = { name: "prompt", dims: [1, 3], type: "float16" }),
        /input\.type must be float32 or one of int64/,
      ],
      [
        "a prompt beyond the model's positions",
        (m) => (m.input = { name: "prompt", dims: [1, 65], type: "int64" }),
        /steps\[0\] \(.*kjv-gpt\.onnx\) at 65 tokens: /,
      ],
    ];
    for (const [what, change, message] of cases) {
      it(what, async () => {
        const m = generation(GPT, 3, 2);
        change(m);
        const file = join(dir, `${what.replace(/\W+/g, "_")}.pipeline.json`);
        fs.writeFileSync(file, JSON.stringify(m));
        const r = await referee("model", "commit", file);
        expect(r.code).to.not.equal(0);
        const lines = r.stderr.trim().split("\n");
        expect(lines, r.stderr).to.have.length(1);
        expect(lines[0]).to.match(message);
      });
    }
  });
});
