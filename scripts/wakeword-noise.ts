// How often openWakeWord's hello_deepa scores made-up features at or above 0.5, measured with
// onnxruntime-node: the demo's pseudo-random "recording" (xorshift32, uniform in [-1, 1)) and
// the inputs `referee run --random-seed n` makes (node/io/random.ts, uniform in [-1, 1)), 200
// seeds each. WakeWordVault cites it: the model is no gate on its own, hence the attestation.
//   npx ts-node --transpile-only scripts/wakeword-noise.ts [--seeds 200] [--threshold 0.5]
import { readFileSync } from "fs";
import * as ort from "onnxruntime-node";
import { HELLO_DEEPA, features } from "../node/agents/demo";
import { compileModel } from "../node/compiler/compile";
import { randomInputs } from "../node/io/random";
import { product } from "../node/program/isa";

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
  const specs = compileModel(readFileSync(HELLO_DEEPA)).program.inputs;
  if (specs.length !== 1) throw new Error(`hello_deepa: expected one input, found ${specs.length}`);
  const dims = [...specs[0].dims];
  const session = await ort.InferenceSession.create(HELLO_DEEPA);
  const sources: Record<string, (seed: number) => Float32Array> = {
    "demo features (xorshift32, [-1, 1))": (seed) => features(product(dims), seed),
    "referee --random-seed (mulberry32, [-1, 1))": (seed) => randomInputs(specs, seed)[0],
  };
  for (const [name, make] of Object.entries(sources)) {
    let hits = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", make(seed), dims) });
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
