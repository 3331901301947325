// referee compare: Referee against onnxruntime-node on the same inputs. Fidelity, not bit
// equality, is the goal (docs/PROTOCOL.md §1): report the error and top-1 agreement.
import * as path from "path";
import { RefereeError } from "../../errors";
import { errorStats, ErrorStats, mergeStats, REL_ERROR_FLOOR } from "../../reference/metrics";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import * as fmt from "../format";
import {
  compileWithProgress,
  fixedFeeds,
  inputSource,
  readModel,
  referenceRunner,
  runOutputs,
  threadsOf,
} from "../model";

export async function compare(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const count = args.int("count", 1) ?? 1;
  if (count < 1) throw new RefereeError("USAGE", "--count must be at least 1");
  if (args.has("count") && !args.has("random-seed")) throw new RefereeError("USAGE", "--count needs --random-seed");
  const threads = threadsOf(args);
  const { compiled, ms: compileMs } = compileWithProgress(model, args, ctx.progress);
  const program = compiled.program;
  const source = inputSource(args, program.inputs);
  const ort = (await ctx.progress.phaseAsync("loading onnxruntime", () => referenceRunner(model))).value;

  const stats = new Map<string, ErrorStats>();
  let oursMs = 0;
  let ortMs = 0;
  try {
    for (let run = 0; run < count; run++) {
      const inputs = source.inputs(run);
      const ours = ctx.progress.phase(`run ${run + 1}/${count}: referee`, () => runOutputs(compiled, inputs, threads));
      oursMs += ours.ms;
      const feeds = program.inputs.map((spec, i) => ({ name: spec.name, dims: spec.dims, data: inputs[i] }));
      feeds.push(...fixedFeeds(args, model.info)); // onnxruntime still has --fix inputs as inputs
      const ref = await ctx.progress.phaseAsync(`run ${run + 1}/${count}: onnxruntime`, () => ort.run(feeds));
      ortMs += ref.ms;
      for (const out of ours.value) {
        const r = ref.value.find((t) => t.name === out.name);
        if (r === undefined) throw new RefereeError("INTERNAL", `onnxruntime gave no output '${out.name}'`);
        if (r.data.length !== out.data.length) {
          throw new RefereeError(
            "INTERNAL",
            `output '${out.name}': referee has ${out.data.length} elements, onnxruntime ${r.data.length} (dims ${fmt.dims(r.dims)})`,
          );
        }
        const s = errorStats(out.data, r.data, out.dims);
        const prev = stats.get(out.name);
        stats.set(out.name, prev ? mergeStats(prev, s) : s);
      }
    }
  } finally {
    await ort.release();
  }

  const outputs = program.outputs.map((spec) => {
    const s = stats.get(spec.name)!;
    return {
      name: spec.name,
      dims: spec.dims,
      maxAbsError: s.maxAbsError,
      maxRelError: s.maxRelError,
      meanAbsError: s.meanAbsError,
      argmaxAgreement: s.rows === 0 ? 1 : s.argmaxAgree / s.rows,
      argmaxRows: s.rows,
      mismatchedSpecials: s.mismatchedSpecials,
    };
  });
  const summary = {
    model: model.path,
    runs: count,
    inputs: count === 1 ? source.describe(0) : `${source.describe(0)} … ${source.describe(count - 1)}`,
    maxAbsError: Math.max(...outputs.map((o) => o.maxAbsError)),
    maxRelError: Math.max(...outputs.map((o) => o.maxRelError)),
    argmaxAgreement: Math.min(...outputs.map((o) => o.argmaxAgreement)),
    outputs,
    timings: { compileMs, refereeMs: oursMs / count, onnxruntimeMs: ortMs / count },
  };
  if (args.has("json")) {
    ctx.out(JSON.stringify(summary) + "\n");
    return;
  }
  const lines = [
    `model          ${path.basename(model.path)}`,
    `inputs         ${summary.inputs} (${count} run${count === 1 ? "" : "s"})`,
    "",
    fmt.table(
      [
        ["output", "dims", "max abs err", "max rel err", "mean abs err", "argmax agree"],
        ...outputs.map((o) => [
          o.name,
          fmt.dims(o.dims),
          fmt.err(o.maxAbsError),
          fmt.err(o.maxRelError),
          fmt.err(o.meanAbsError),
          `${(o.argmaxAgreement * 100).toFixed(1)}% of ${o.argmaxRows}`,
        ]),
      ],
      "",
    ),
  ];
  const specials = outputs.filter((o) => o.mismatchedSpecials > 0);
  for (const o of specials)
    lines.push(`warning: output '${o.name}': ${o.mismatchedSpecials} elements differ in NaN/infinity`);
  lines.push(
    "",
    `timings        compile ${fmt.ms(compileMs)}; per run: referee ${fmt.ms(summary.timings.refereeMs)}, onnxruntime ${fmt.ms(summary.timings.onnxruntimeMs)}`,
    `rel error = |referee - ort| / max(|ort|, ${REL_ERROR_FLOOR.toExponential()}); argmax over the last axis per row`,
  );
  ctx.out(lines.join("\n") + "\n");
}
