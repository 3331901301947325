// `npm run gas`: gas of a one-step proof transaction per kernel kind and phase, calldata
// included, max and median over the step vectors of test/vectors/step-vectors.ts (real runs
// of hello_deepa, the PP-OCR classifier and detector, and a movement graph).
//
// Usage: npm run gas -- [--json] [--update]
//   --json    the last line is one JSON object {"oneStep": {"<kind>": {"max": n, "median": n}},
//             "flow": {request, commit, claim, finalize, finalizeWithCallback, resolveTimeout},
//             "requests": {"hello_deepa": n, "ocr_classifier": n},
//             "dispute": {"<k>": {"<N>": {"rounds", "claimerGas", "challengerGas"}}}}
//             (flow and dispute measured on the toy trace with the AlphabetVerifier; per-move gas
//             does not depend on the model, only the one-step transaction does; a claim is
//             commit + claim (the reveal); a dispute's claimerGas includes the reveal of its
//             halted state, its challengerGas the challenge, which computes the inputs root;
//             "requests" are one request of each real model, whose gas grows with its input)
//   --update  write that object to test/gas-snapshot.json (the snapshot test compares with it)
//             and README.md's generated block "gas-one-step" from it
//   --real-size  instead: the same table for steps of the PP-OCRv4 recognizer at 1×3×48×320
//             (738M steps; its slots hold up to 795,000 values against the vectors' 147,456, so
//             paths are deeper), chosen as the vector set chooses them; with --json, its summary
import * as fs from "fs";
import * as path from "path";
import hre from "hardhat";
import { GasReport, GasRow, ONE_STEP_GAS_BUDGET, measureGas, median, summarize } from "../test/vectors/gas";
import { STEP_CLASSES, chooseSteps, run, stepVectors, vectorsOf } from "../test/vectors/step-vectors";
import { OCR_REC, OCR_REC_SHAPES } from "../test/helpers/models";
import { measureDispute, measureFlow, measureModelRequests } from "../test/helpers/protocol-gas";
import { renderOneStepGas } from "./lib/docs/gas-one-step";
import { ONE_STEP_GAS_DOC } from "./lib/docs/places";
import { updateBlock } from "./lib/markers";

const DEGREES = [2, 8, 16, 40];
const LENGTHS = [1e6, 1e8];

type DisputeTable = Record<string, Record<string, { rounds: number; claimerGas: number; challengerGas: number }>>;

async function measureDisputes(): Promise<DisputeTable> {
  const out: DisputeTable = {};
  for (const k of DEGREES) {
    out[k] = {};
    for (const N of LENGTHS) {
      const d = await measureDispute(k, N);
      out[k][N] = { rounds: d.rounds, claimerGas: d.claimerGas, challengerGas: d.challengerGas };
    }
  }
  return out;
}

export const SNAPSHOT = path.join(__dirname, "..", "test", "gas-snapshot.json");

/** The EIP-7623 floor of a transaction: what it costs however cheap its execution. */
const floorOf = (r: GasRow): number => 21000 + 10 * r.tokens;

/** The one-step table of `npm run gas`: per class max, median, calldata and floor, then the heaviest. */
function oneStepTable(rows: readonly GasRow[], report: GasReport): string[] {
  const hardfork = hre.config.networks.hardhat.hardfork;
  const lines = [
    `one-step proof transactions: ${rows.length} vectors, network hardfork ${hardfork}`,
    `gas = 21000 + max(4·T + execution, 10·T), T = zero calldata bytes + 4 × non-zero (EIP-7623); "floor" is 21000 + 10·T`,
    `${"kind".padEnd(14)}${"n".padStart(5)}${"max".padStart(10)}${"median".padStart(10)}${"bytes med".padStart(11)}${"bytes max".padStart(11)}${"floor med".padStart(11)}${"floor max".padStart(11)}${"floor-bound".padStart(13)}${"> 100k".padStart(9)}`,
  ];
  for (const c of STEP_CLASSES) {
    const rs = rows.filter((r) => r.vector.class === c);
    if (rs.length === 0) continue;
    const s = report.oneStep[c]!;
    const floorBound = rs.filter((r) => r.gas === 21000 + 10 * r.tokens).length;
    lines.push(
      `${c.padEnd(14)}${String(rs.length).padStart(5)}${String(s.max).padStart(10)}${String(s.median).padStart(10)}` +
        `${String(median(rs.map((r) => r.calldataBytes))).padStart(11)}${String(Math.max(...rs.map((r) => r.calldataBytes))).padStart(11)}` +
        `${String(median(rs.map(floorOf))).padStart(11)}${String(Math.max(...rs.map(floorOf))).padStart(11)}` +
        `${`${floorBound}/${rs.length}`.padStart(13)}${`${rs.filter((r) => r.gas > ONE_STEP_GAS_BUDGET).length}/${rs.length}`.padStart(9)}`,
    );
  }
  const worst = [...rows].sort((a, b) => b.gas - a.gas).slice(0, 5);
  lines.push("heaviest:");
  for (const r of worst)
    lines.push(
      `  ${r.gas}  ${r.vector.model} s=${r.vector.step} ${r.vector.class} (${r.calldataBytes} calldata bytes; ${r.vector.tags.join(", ")})`,
    );
  return lines;
}

/** `--real-size`: one-step gas of the recognizer's steps at the shape users run. */
async function realSize(json: boolean): Promise<void> {
  const m = await run("ppocrv4_rec", fs.readFileSync(OCR_REC), OCR_REC_SHAPES, 7);
  const rows = await measureGas(hre, vectorsOf(m, chooseSteps(m, 5)));
  const report = summarize(rows);
  if (json) {
    process.stdout.write(JSON.stringify(report) + "\n");
    return;
  }
  process.stdout.write(
    [`PP-OCRv4 recognizer at ${OCR_REC_SHAPES.x.join("×")}, ${m.trace.N} steps`, ...oneStepTable(rows, report)].join(
      "\n",
    ) + "\n",
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const update = argv.includes("--update");
  await hre.run("compile", { quiet: true });
  if (argv.includes("--real-size")) return realSize(json);
  const { vectors } = await stepVectors();
  const rows = await measureGas(hre, vectors);
  const report: GasReport = summarize(rows);
  if (update) {
    fs.writeFileSync(SNAPSHOT, JSON.stringify(report, null, 2) + "\n");
    const doc = ONE_STEP_GAS_DOC;
    updateBlock(path.join(__dirname, "..", doc.file), doc.name, doc.command, renderOneStepGas(report));
  }
  const flow = await measureFlow();
  const requests = await measureModelRequests();
  const dispute = await measureDisputes();
  if (json) {
    process.stdout.write(JSON.stringify({ ...report, flow, requests, dispute }) + "\n");
    return;
  }
  const lines = oneStepTable(rows, report);
  lines.push(
    `protocol transactions (toy model): ${Object.entries(flow)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  lines.push(
    `requests of real models (input bytes in calldata and the event): ${Object.entries(requests)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  lines.push(`whole dispute, honest challenger vs a claimer lying about the output (gas per party):`);
  lines.push(
    `${"k".padStart(4)}${"N".padStart(8)}${"rounds".padStart(8)}${"claimer".padStart(11)}${"challenger".padStart(12)}`,
  );
  for (const k of DEGREES)
    for (const N of LENGTHS) {
      const d = dispute[k][N];
      lines.push(
        `${String(k).padStart(4)}${N.toExponential(0).padStart(8)}${String(d.rounds).padStart(8)}${String(d.claimerGas).padStart(11)}${String(d.challengerGas).padStart(12)}`,
      );
    }
  if (update)
    lines.push(
      `snapshot written to ${path.relative(process.cwd(), SNAPSHOT)}, and its table to ${ONE_STEP_GAS_DOC.file}`,
    );
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
