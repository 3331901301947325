// npm run dispute [-- --ocr | --rec] [--json]: one dispute as operators and challengers run it, every
// role its own `referee` process on `hardhat node`, over JSON-RPC. Prints the figures from the
// agents' JSON logs: rounds, gas per party, the dispute's wall time, the slowest dissection
// answer. (npm run demo tells the same story in-process, with the dApp.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { keccak256 } from "ethers";
import { tmpdir } from "os";
import * as path from "path";
import { table } from "../node/cli/format";
import { HELLO_DEEPA, OCR_CLS, OCR_REC } from "../test/helpers/models";
import { LogEvent, Proc, freePort, runReferee, startHardhatNode, startReferee } from "./lib/processes";

const MODELS = {
  hello: {
    file: HELLO_DEEPA,
    shape: [] as string[],
    cheatAt: 40_000,
  },
  ocr: {
    file: OCR_CLS,
    shape: ["--shape", "x=1x3x48x192"],
    cheatAt: 8_699_377,
  },
  // PP-OCRv4's recognizer at the shape users run it (738M steps): issue 11's whole-dispute target.
  // Its raw output (40 x 6625 class scores, 1.06 MB) is over a claim's size limit (PROTOCOL
  // §5.1), so the registered model is the recognizer plus greedy CTC's argmax per position:
  // a pipeline whose output is 40 class ids (recManifest).
  rec: {
    file: "",
    shape: [] as string[],
    cheatAt: 369_120_590,
  },
};

/** The recognizer + argmax pipeline manifest, written into `dir`. */
function recManifest(dir: string): string {
  const onnx = OCR_REC;
  const manifest = {
    format: "referee-pipeline-1",
    description: "PP-OCRv4 recognizer on a 48x320 line, then the class id of each of its 40 positions",
    input: { name: "x", dims: [1, 3, 48, 320] },
    steps: [
      {
        op: "model",
        path: onnx,
        keccak256: keccak256(readFileSync(onnx)),
        inputs: { x: "x" },
        outputs: { "softmax_11.tmp_0": "scores" },
      },
      { op: "argmax", input: "scores", output: "ids", axis: 2, keepdims: false },
    ],
    outputs: ["ids"],
  };
  const file = path.join(dir, "ppocrv4-rec-ids.pipeline.json");
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

const sumGas = (events: LogEvent[], kinds: string[]) =>
  events.filter((e) => kinds.includes(e.event ?? "")).reduce((a, e) => a + Number(e.gas ?? 0), 0);

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const m = process.argv.includes("--rec") ? MODELS.rec : process.argv.includes("--ocr") ? MODELS.ocr : MODELS.hello;
  const say = (line: string) => {
    if (!json) console.log(line);
  };
  const procs: Proc[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "referee-dispute-"));
  if (m === MODELS.rec) m.file = recManifest(dir);
  const port = await freePort();
  const env = { REFEREE_RPC_URL: `http://127.0.0.1:${port}` };
  const chain = ["--deployments", dir];
  say(`starting hardhat node on port ${port}`);
  const node = await startHardhatNode(port);
  try {
    await runReferee("deploy", ["deploy", "--account", "0", ...chain], env);
    await runReferee("register", ["register", m.file, ...m.shape, "--account", "0", ...chain], env);
    for (const a of ["3", "4", "5"]) await runReferee("faucet", ["faucet", "--account", a, ...chain], env);
    say(
      `deployed; ${path.basename(m.file)} registered; starting a cheating operator (wrong from step ${m.cheatAt}) and a challenger`,
    );
    const agent = (label: string, args: string[]) => {
      const p = startReferee(label, [...args, m.file, ...m.shape, "--poll", "250", "--json", ...chain], env);
      procs.push(p);
      return p;
    };
    const challenger = agent("challenger", ["challenger", "--account", "5"]);
    const cheater = agent("cheating operator", ["operator", "--account", "4", "--cheat-at", String(m.cheatAt)]);
    await challenger.waitForEvent((e) => e.event === "started", 120_000, "the challenger to start");
    await cheater.waitForEvent((e) => e.event === "started", 120_000, "the cheater to start");
    const requested = await runReferee(
      "request",
      ["request", m.file, ...m.shape, "--random-seed", "7", "--account", "3", ...chain, "--json"],
      env,
    );
    // `referee request --json` prints one summary line (node/cli/commands/request.ts).
    const request = JSON.parse(requested.lines[requested.lines.length - 1]) as {
      requestId: string;
      inputBytes: number;
      gasUsed: number;
    };
    say(`request #${request.requestId}: ${request.inputBytes} input bytes, ${request.gasUsed} gas`);
    const claimed = await cheater.waitForEvent((e) => e.event === "claimed", 300_000, "the cheater's claim");
    const checked = await challenger.waitForEvent(
      (e) => e.event === "checked",
      300_000,
      "the challenger's re-execution",
    );
    const t0 = Date.parse(checked.time as string) - Number(checked.runMs);
    const opened = await challenger.waitForEvent((e) => e.event === "game-opened", 60_000, "the game");
    const gameId = opened.gameId as string;
    for (let shown = 0; ;) {
      const moves = [...cheater.events(), ...challenger.events()].filter(
        (e) => e.gameId === gameId && ["revealed", "dissected", "chose", "stepped"].includes(e.event ?? ""),
      );
      moves.sort((a, b) => Date.parse(a.time as string) - Date.parse(b.time as string));
      for (; shown < moves.length; shown++) say(`  ${moves[shown].message}`);
      if (moves.some((e) => e.event === "stepped")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const over = await challenger.waitForEvent(
      (e) => e.event === "game-over" && e.gameId === gameId,
      60_000,
      "the game's end",
    );
    const stepped = challenger.events().find((e) => e.event === "stepped" && e.gameId === gameId)!;
    const answers = cheater
      .events()
      .filter((e) => e.event === "dissected" && e.gameId === gameId)
      .map((e) => Number(e.answerMs));
    const result = {
      model: path.basename(m.file),
      steps: Number(opened.steps),
      rounds: Number(over.rounds),
      outcome: over.status as string,
      gas: {
        claimer: {
          // Protocol v3: a claim is a commitment, then the output's reveal.
          commit: Number(claimed.commitGas),
          claim: Number(claimed.gas),
          reveal: sumGas(
            cheater.events().filter((e) => e.gameId === gameId),
            ["revealed"],
          ),
          dissections: sumGas(
            cheater.events().filter((e) => e.gameId === gameId),
            ["dissected"],
          ),
        },
        challenger: {
          open: Number(opened.gas),
          choices: sumGas(
            challenger.events().filter((e) => e.gameId === gameId),
            ["chose"],
          ),
          step: Number(stepped.gas),
        },
      },
      reExecutionMs: Number(checked.runMs),
      disputeSeconds: Math.round((Date.parse(stepped.time as string) - t0) / 100) / 10,
      slowestAnswerMs: Math.max(...answers),
      pollMs: 250,
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    const rows: [string, string][] = [
      ["model", `${result.model}, N = ${result.steps.toLocaleString("en-US")} steps`],
      ["outcome", `${result.outcome} after ${result.rounds} rounds`],
      [
        "gas: claimer (commit + claim + reveal + dissections)",
        [result.gas.claimer.commit, result.gas.claimer.claim, result.gas.claimer.reveal, result.gas.claimer.dissections]
          .map((g) => g.toLocaleString("en-US"))
          .join(" + "),
      ],
      [
        "gas: challenger (open + choices + step)",
        `${result.gas.challenger.open.toLocaleString("en-US")} + ${result.gas.challenger.choices.toLocaleString("en-US")} + ${result.gas.challenger.step.toLocaleString("en-US")}`,
      ],
      ["challenger's re-execution (run only: commitments once a game opens)", `${result.reExecutionMs} ms`],
      [
        "dispute wall time (re-execution to proof)",
        `${result.disputeSeconds} s (agents poll every ${result.pollMs} ms)`,
      ],
      ["slowest dissection answer", `${result.slowestAnswerMs} ms`],
    ];
    console.log("");
    console.log(table(rows, ""));
  } finally {
    for (const p of procs) await p.kill("SIGTERM");
    await node.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
