// npm run demo [-- --json] [--ocr | --gpt]: the end-to-end story on Hardhat's in-process chain
// (node/agents/demo.ts; --gpt: verified text generation, node/agents/demo-gpt.ts). With --json
// the last line is the measured result as one object.
import hre from "hardhat";
import { join } from "path";
import { runDemo } from "../node/agents/demo";
import { runGptDemo } from "../node/agents/demo-gpt";
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

async function gpt(json: boolean): Promise<void> {
  const r = await runGptDemo(hre, (line) => console.log(line));
  console.log("");
  console.log("== Summary");
  const rows: [string, string][] = [
    ["generation", `"${r.prompt}" + ${r.tokenIds.length} tokens: "${r.prompt}${r.text}"`],
    ["steps", `N = ${r.steps.toLocaleString("en-US")}, degree k = ${r.degree}`],
    ["honest claim finalized", String(r.honestFinalized)],
    ["one-token cheater slashed", String(r.cheaterSlashed)],
    ["challenger rewarded", String(r.challengerRewarded)],
    ["request served again", String(r.reServed)],
    ["dissection rounds", String(r.rounds)],
    ["step proved on-chain", `${r.provedStep.toLocaleString("en-US")} (${r.provedInstruction})`],
    ["gas: request", r.gas.request.toLocaleString("en-US")],
    ["gas: honest claim", r.gas.honestClaim.toLocaleString("en-US")],
    ["gas: cheating operator (whole dispute)", r.gas.claimer.toLocaleString("en-US")],
    ["gas: challenger (whole dispute)", r.gas.challenger.toLocaleString("en-US")],
    ["wall time", `${r.wallSeconds} s`],
  ];
  console.log(table(rows, ""));
  if (json) console.log(JSON.stringify(r));
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json") || process.env.REFEREE_DEMO_JSON === "1";
  await hre.run("compile", { quiet: true });
  if (process.argv.includes("--gpt")) return gpt(json);
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
