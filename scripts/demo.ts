// npm run demo [-- --json] [--ocr]: the end-to-end story on Hardhat's in-process chain
// (node/agents/demo.ts). With --json the last line is the measured result as one object.
import hre from "hardhat";
import { join } from "path";
import { runDemo } from "../node/agents/demo";
import { table } from "../node/cli/format";

/** --ocr: the same story on the PaddleOCR direction classifier (≈ 17M steps). */
const OCR = {
  file: join(
    __dirname,
    "..",
    "node_modules",
    "@gutenye",
    "ocr-models",
    "assets",
    "ch_ppocr_mobile_v2.0_cls_infer.onnx",
  ),
  shapes: { x: [1, 3, 48, 192] },
};

async function main(): Promise<void> {
  const json = process.argv.includes("--json") || process.env.REFEREE_DEMO_JSON === "1";
  await hre.run("compile", { quiet: true });
  const r = await runDemo(hre, (line) => console.log(line), {
    model: process.argv.includes("--ocr") ? OCR : undefined,
  });
  console.log("");
  console.log("== Summary");
  const rows: [string, string][] = [
    ["model", `${r.modelName}, N = ${r.steps} steps, degree k = ${r.degree}`],
    ["honest claim finalized, dApp acted", String(r.honestFinalized)],
    ["cheater slashed", String(r.cheaterSlashed)],
    ["challenger rewarded", String(r.challengerRewarded)],
    ["request served again", String(r.reServed)],
    ["dissection rounds", String(r.rounds)],
    ...Object.entries(r.gasByParty).map(([k, v]) => [`gas: ${k}`, v.toLocaleString("en-US")] as [string, string]),
    ["slowest dissection answer", `${r.slowestAnswerMs} ms`],
    ["wall time of the dispute", `${r.disputeSeconds} s`],
    ["wall time", `${r.wallSeconds} s`],
  ];
  console.log(table(rows, ""));
  if (json) {
    const { honestFinalized, cheaterSlashed, challengerRewarded, reServed, rounds, gas, wallSeconds } = r;
    console.log(
      JSON.stringify({ honestFinalized, cheaterSlashed, challengerRewarded, reServed, rounds, gas, wallSeconds }),
    );
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
