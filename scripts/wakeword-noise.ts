// How often openWakeWord's hello_deepa scores made-up features at or above 0.5, measured with
// onnxruntime-node: the demo's pseudo-random "recording" (xorshift32, uniform in [-1, 1)) and
// mulberry32 uniform noise, 200 seeds each. WakeWordVault cites it: the model is no gate on
// its own, hence the recording attestation.
//   npx ts-node --transpile-only scripts/wakeword-noise.ts [--seeds 200] [--threshold 0.5]
import * as ort from "onnxruntime-node";
import { HELLO_DEEPA, features } from "../node/agents/demo";
import { mulberry32 } from "../node/fo32/mulberry32";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} expects a positive number, got '${process.argv[i + 1]}'`);
  return v;
}

async function main(): Promise<void> {
  const seeds = arg("--seeds", 200);
  const threshold = arg("--threshold", 0.5);
  const session = await ort.InferenceSession.create(HELLO_DEEPA);
  const input = session.inputNames[0];
  const dims = [1, 25, 96]; // hello_deepa: 25 frames of 96 embedding features
  const n = dims.reduce((a, b) => a * b, 1);
  const sources: Record<string, (seed: number) => Float32Array> = {
    "demo features (xorshift32, [-1, 1))": (seed) => features(n, seed),
    "mulberry32 uniform [-1, 1)": (seed) => {
      const r = mulberry32(seed);
      return Float32Array.from({ length: n }, () => Math.fround(2 * r() - 1));
    },
  };
  for (const [name, make] of Object.entries(sources)) {
    let hits = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const out = await session.run({ [input]: new ort.Tensor("float32", make(seed), dims) });
      const score = (out[session.outputNames[0]].data as Float32Array)[0];
      if (score >= threshold) hits++;
    }
    console.log(`${name}: ${hits} of ${seeds} seeds score >= ${threshold}`);
  }
}

main().catch((e: unknown) => {
  console.error(`wakeword-noise: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
