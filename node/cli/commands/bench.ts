// referee bench: Referee's speed against onnxruntime-node on one model (node/cli/benchmark.ts).
import { randomInputs } from "../../io/random";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { BenchResult, benchmark } from "../benchmark";
import type { CommandContext } from "../command";
import * as fmt from "../format";
import { compileWithProgress, fixedFeeds, inputSource, readModel, referenceRunner, threadsOf } from "../model";

export async function bench(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const threads = threadsOf(args);
  const reps = args.int("reps", 7) ?? 7;
  if (reps < 1) throw usageError(`--reps must be at least 1, got ${reps}`);
  const { compiled, ms: compileMs } = compileWithProgress(model, args, ctx.progress);
  // Inputs default to seed 1: speed does not depend on the values (FO32 has no data-dependent paths).
  const program = compiled.program;
  const inputs =
    args.has("input") || args.has("random-seed")
      ? inputSource(args, program.inputs).inputs(0)
      : randomInputs(program.inputs, 1);
  const result = (
    await ctx.progress.phaseAsync("benchmarking", () =>
      benchmark(compiled, (threads) => referenceRunner(model, { intraOpThreads: threads, interOpThreads: 1 }), inputs, {
        reps,
        threads,
        stateQueries: 25,
        fixedFeeds: fixedFeeds(args, model.info),
      }),
    )
  ).value;
  if (args.has("json")) {
    ctx.out(JSON.stringify({ model: model.path, compileMs, ...result, node: process.version }) + "\n");
    return;
  }
  ctx.out(report(model.path, compileMs, result));
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + " ms";

function report(file: string, compileMs: number, r: BenchResult): string {
  const data = r.weightBytes + r.activationBytes;
  const rows: [string, string][] = [
    ["model", `${file} (input ${r.inputDims})`],
    ["steps N", `${fmt.int(r.steps)} in ${r.instructions} instructions`],
    ["compile", ms(compileMs)],
    ["model commitment", ms(r.modelCommitmentMs)],
    ["onnxruntime 1 thread", ms(r.ortMs)],
    [`onnxruntime ${r.threads} threads`, ms(r.ortThreadsMs)],
    [
      "referee execute",
      `${ms(r.executeMs)}  (${r.ratio.toFixed(2)}x ort 1T, ${r.ratioThreads.toFixed(2)}x ort ${r.threads}T)`,
    ],
    ["referee trace", ms(r.traceMs)],
    [
      "commit",
      `${ms(r.commitMs)}  (${(r.commitMs / r.executeMs).toFixed(1)}x execute; first commit ${ms(r.firstCommitMs)})`,
    ],
    ["state@s", `${ms(r.stateAtMs)} median, ${ms(r.stateAtMaxMs)} max`],
    ["max abs error", r.maxAbsError.toExponential(2)],
    [
      "peak RSS",
      `${fmt.bytes(r.peakRssBytes)}  (${(r.peakRssBytes / data).toFixed(1)}x weights + activations, ${fmt.bytes(data)})`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return (
    rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n") +
    `\nwarm medians over ${r.reps} interleaved runs; Node ${process.version}\n`
  );
}
