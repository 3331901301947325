// referee run: compile, execute on one input, summarize the outputs, hash the final state
// (and any requested intermediate states), with the time of each phase.
import * as path from "path";
import { product } from "../../program/isa";
import { RefereeError } from "../../errors";
import { writeTensors } from "../../io/outputs";
import { argmax, lastAxisRows } from "../../reference/metrics";
import { execute } from "../../vm/execute";
import { programSteps } from "../../vm/layout";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import { toHex, TraceCommitter } from "../../commit";
import * as fmt from "../format";
import {
  compileWithProgress,
  inputSource,
  OutputTensor,
  outputsOf,
  readModel,
  refuseBadIndex,
  threadsOf,
} from "../model";

const FIRST_VALUES = 8;
const ARGMAX_ROWS = 16;

export interface OutputSummary {
  name: string;
  dims: number[];
  first: number[];
  /** argmax over the last axis, per row (all axes but the last), for the first rows. */
  argmax: number[];
  rows: number;
  min: number;
  max: number;
}

export function summarize(t: OutputTensor): OutputSummary {
  const { rows, last } = lastAxisRows(t.dims, t.data.length);
  const am: number[] = [];
  for (let r = 0; r < Math.min(rows, ARGMAX_ROWS); r++) am.push(argmax(t.data, r * last, last));
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    name: t.name,
    dims: t.dims,
    first: Array.from(t.data.subarray(0, FIRST_VALUES)),
    argmax: am,
    rows,
    min,
    max,
  };
}

/** JSON has no NaN or infinities: write them as strings. */
export function jsonValue(v: number): number | string {
  return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : String(v);
}

export async function run(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const steps = args.all("state-at").map((s) => {
    if (!/^\d+$/.test(s)) throw new RefereeError("USAGE", `--state-at expects a step number, got '${s}'`);
    return Number(s);
  });
  const { compiled, ms: compileMs } = compileWithProgress(model, args, ctx.progress);
  const program = compiled.program;
  const n = programSteps(program);
  for (const s of steps) {
    if (s > n) throw new RefereeError("USAGE", `--state-at ${s} is beyond the last step N = ${n}`);
  }
  const threads = threadsOf(args);
  const source = inputSource(args, program.inputs);
  const inputs = source.inputs(0);
  const run = ctx.progress.phase("executing", () => execute(program, inputs, { threads }));
  const memory = run.value;
  refuseBadIndex(compiled.indexChecks, memory);
  const outputs = outputsOf(program.outputs, memory);
  // Commit time: every slot tree plus the final state hash (what a claim needs).
  const commit = await ctx.progress.phaseAsync("hashing the final state", async () => {
    const trace = await TraceCommitter.create(program, memory);
    return { trace, final: trace.finalState() };
  });
  const { trace, final } = commit.value;
  const inputsRoot = toHex(trace.inputs.root());
  const states = steps.map((s) => {
    const st = trace.stateAt(s);
    return { step: s, pc: st.pc, acc: st.acc, hash: toHex(st.hash) };
  });
  const outFile = args.get("output");
  if (outFile !== undefined) writeTensors(outFile, outputs);
  const summaries = outputs.map(summarize);
  const timings = { compileMs, executeMs: run.ms, commitMs: commit.ms };

  if (args.has("json")) {
    ctx.out(
      JSON.stringify({
        model: model.path,
        inputs: source.describe(0),
        steps: n,
        outputs: summaries.map((s) => ({
          ...s,
          first: s.first.map(jsonValue),
          min: jsonValue(s.min),
          max: jsonValue(s.max),
        })),
        inputsRoot: inputsRoot,
        finalStateHash: toHex(final.hash),
        stateAt: states.map((s) => ({ ...s, acc: jsonValue(s.acc) })),
        outputFile: outFile,
        timings,
      }) + "\n",
    );
    return;
  }
  const lines = [`model          ${path.basename(model.path)}`, `inputs         ${source.describe(0)}`];
  for (const s of summaries) {
    lines.push(`output         ${s.name}  ${fmt.dims(s.dims)}  min ${fmt.num(s.min)}  max ${fmt.num(s.max)}`);
    lines.push(`  values       ${s.first.map(fmt.num).join(" ")}${product(s.dims) > s.first.length ? " …" : ""}`);
    const more = s.rows > s.argmax.length ? " …" : "";
    lines.push(`  argmax       ${s.argmax.join(" ")}${more}${s.rows > 1 ? "  (last axis, per row)" : ""}`);
  }
  if (outFile !== undefined) lines.push(`written to     ${outFile}`);
  lines.push(`steps N        ${fmt.int(n)}`);
  lines.push(`inputs root    ${inputsRoot}`);
  lines.push(`final state    ${toHex(final.hash)}`);
  for (const s of states) {
    lines.push(
      `${`state at ${fmt.int(s.step)}`.padEnd(14)} ${s.hash}  (pc ${s.pc.instr}/${s.pc.elem}/${s.pc.k}, acc ${fmt.num(s.acc)})`,
    );
  }
  lines.push(`timings        compile ${fmt.ms(compileMs)}, execute ${fmt.ms(run.ms)}, commit ${fmt.ms(commit.ms)}`);
  ctx.out(lines.join("\n") + "\n");
}
