// referee generate: greedy text generation as one program (docs/PROTOCOL.md §3.6, step
// "generate"). The prompt is tokenized with the model's vocabulary; the generation is built
// as a pipeline manifest in memory (the same one --write-manifest writes), compiled, run and
// committed to, as `referee run` does; --compare decodes with onnxruntime alongside.
import * as fs from "fs";
import * as path from "path";
import { RefereeError } from "../../errors";
import { keccak256Hex, toHex, TraceCommitter } from "../../commit";
import { compilePipeline, FileReader, generationLogits } from "../../compiler/pipeline/link";
import { parseManifest, PipelineManifest } from "../../compiler/pipeline/manifest";
import { GENERATION_PROMPT as PROMPT, GenerationSpec, generationManifest } from "../../compiler/pipeline/generation";
import { readVocabulary, Tokenizer, tokenizer } from "../../io/bpe";
import { validateInput } from "../../io/inputs";
import type { Program } from "../../program/isa";
import { PipelineOrtRunner } from "../../reference/pipeline";
import { execute } from "../../vm/execute";
import { programSteps } from "../../vm/layout";
import { Memory, slotOf } from "../../vm/memory";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import type { CommandContext } from "../command";
import * as fmt from "../format";
import { readModel, refuseBadIndex } from "../model";

function required(args: ParsedArgs, name: string, what: string): string {
  const v = args.get(name);
  if (v === undefined) throw usageError(`give ${what}: --${name}`);
  return v;
}

interface Options {
  tok: Tokenizer;
  ids: number[];
  steps: number;
  context: number;
}

function options(args: ParsedArgs): Options {
  const tok = tokenizer(readVocabulary(required(args, "vocab", "the model's vocabulary (a .vocab.json file)")));
  const prompt = required(args, "prompt", "the text to continue");
  const steps = args.int("tokens");
  if (steps === undefined || steps < 1) throw usageError("give how many tokens to generate: --tokens T (T ≥ 1)");
  const max = tok.vocabulary.context;
  const context = args.int("context") ?? max;
  if (context < 1 || context > max)
    throw usageError(`--context must be in [1, ${max}] (the vocabulary's context), got ${context}`);
  const ids = tok.encode(prompt);
  if (ids.length === 0) throw new RefereeError("INPUT", "the prompt is empty: give at least one token of text");
  if (ids.length > context)
    throw new RefereeError(
      "INPUT",
      `the prompt is ${ids.length} tokens, more than the context of ${context}: shorten it${context < max ? " or raise --context" : ""}`,
    );
  return { tok, ids, steps, context };
}

interface Comparison {
  /** onnxruntime's greedy tokens from the same prompt. */
  tokens: number[];
  agree: number;
  /** The first position where the tokens differ, or null. */
  firstDifference: number | null;
  /** Max |referee − ort| over the logits of the steps whose contexts are equal. */
  maxAbsError: number;
  /** The same over the last such step's logits. */
  lastLogitsMaxAbsError: number;
  comparedSteps: number;
}

async function compareWithOrt(
  manifest: PipelineManifest,
  read: FileReader,
  ids: readonly number[],
  ours: readonly number[],
  logitsOf: (t: number) => Float32Array,
): Promise<Comparison> {
  const ort = await PipelineOrtRunner.create(manifest, read);
  try {
    await ort.run([{ name: PROMPT, dims: [1, ids.length], data: Float32Array.from(ids) }]);
    const steps = ort.generations.get(0)!;
    const tokens = steps.map((s) => s.token);
    const firstDifference = tokens.findIndex((x, t) => x !== ours[t]);
    // Logits are comparable while both decoded the same tokens so far (same contexts).
    const compared = firstDifference === -1 ? tokens.length : firstDifference + 1;
    let maxAbsError = 0;
    let last = 0;
    for (let t = 0; t < compared; t++) {
      const a = logitsOf(t);
      const b = steps[t].logits;
      last = 0;
      for (let j = 0; j < a.length; j++) last = Math.max(last, Math.abs(a[j] - b[j]));
      maxAbsError = Math.max(maxAbsError, last);
    }
    return {
      tokens,
      agree: tokens.filter((x, t) => x === ours[t]).length,
      firstDifference: firstDifference === -1 ? null : firstDifference,
      maxAbsError,
      lastLogitsMaxAbsError: last,
      comparedSteps: compared,
    };
  } finally {
    await ort.release();
  }
}

/** The logits each token was picked from, in the run's memory. */
function logitsReader(program: Program, m: Memory): (t: number) => Float32Array {
  return (t) => {
    const slot = generationLogits(program, 0, t);
    if (!slot) throw new RefereeError("INTERNAL", `the program has no logits for token ${t}`);
    return slotOf(m, slot);
  };
}

export async function generate(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const file = args.positionals[0];
  const model = readModel(file);
  if (model.pipeline) throw usageError(`generate takes a decoder .onnx file, not a pipeline manifest (${file})`);
  const o = options(args);
  const { inputs, outputs } = model.info;
  if (inputs.length !== 1)
    throw new RefereeError("SHAPE", `the decoder must have one input (token ids), ${file} has ${inputs.length}`);
  const spec: GenerationSpec = {
    path: path.resolve(file),
    keccak256: keccak256Hex(model.bytes),
    input: inputs[0].name,
    output: outputs[0].name,
    promptTokens: o.ids.length,
    steps: o.steps,
    context: o.context,
  };
  const manifest = parseManifest(JSON.stringify(generationManifest(spec)), file);
  const read: FileReader = (p) => fs.readFileSync(p);
  const compiled = ctx.progress.phase("compiling", () => compilePipeline(manifest, read, keccak256Hex));
  const program = compiled.value.program;
  const n = programSteps(program);
  const promptData = validateInput(program.inputs[0], Float32Array.from(o.ids));
  const run = ctx.progress.phase("executing", () => execute(program, [promptData]));
  const memory = run.value;
  refuseBadIndex(compiled.value.indexChecks, memory);
  const generated = Array.from(slotOf(memory, program.outputs[0].slot));
  const commit = await ctx.progress.phaseAsync("hashing the final state", async () => {
    const trace = await TraceCommitter.create(program, memory);
    return toHex(trace.finalState().hash);
  });
  const cmp = args.has("compare")
    ? (
        await ctx.progress.phaseAsync("onnxruntime", () =>
          compareWithOrt(manifest, read, o.ids, generated, logitsReader(program, memory)),
        )
      ).value
    : undefined;
  const out = args.get("write-manifest");
  if (out !== undefined) {
    const rel = path
      .relative(path.dirname(path.resolve(out)), path.resolve(file))
      .split(path.sep)
      .join("/");
    fs.writeFileSync(out, JSON.stringify(generationManifest({ ...spec, path: rel }), null, 2) + "\n");
  }
  const text = o.tok.decode(generated);
  const timings = { compileMs: compiled.ms, executeMs: run.ms, commitMs: commit.ms };

  if (args.has("json")) {
    ctx.out(
      JSON.stringify({
        model: file,
        modelHash: compiled.value.onnxHash,
        promptIds: o.ids,
        context: o.context,
        tokens: generated,
        text,
        steps: n,
        finalStateHash: commit.value,
        compare: cmp,
        manifest: out,
        timings,
      }) + "\n",
    );
    return;
  }
  const lines = [
    `model          ${path.basename(file)}  (pipeline hash ${compiled.value.onnxHash})`,
    `prompt         ${JSON.stringify(o.tok.decode(o.ids))}  (${o.ids.length} tokens: ${o.ids.join(" ")}; context ${o.context})`,
    `generated      ${JSON.stringify(text)}`,
    `token ids      ${generated.join(" ")}`,
    `steps N        ${fmt.int(n)}`,
    `final state    ${commit.value}`,
  ];
  if (cmp) {
    const diff = cmp.firstDifference === null ? "" : `, first difference at token ${cmp.firstDifference}`;
    lines.push(`onnxruntime    ${cmp.tokens.join(" ")}`);
    lines.push(`  agreement    ${cmp.agree}/${cmp.tokens.length} tokens${diff}`);
    lines.push(
      `  logits       max abs error ${fmt.err(cmp.maxAbsError)} over ${cmp.comparedSteps} steps, last ${fmt.err(cmp.lastLogitsMaxAbsError)}`,
    );
  }
  if (out !== undefined) lines.push(`manifest       ${out}`);
  lines.push(`timings        compile ${fmt.ms(compiled.ms)}, execute ${fmt.ms(run.ms)}, commit ${fmt.ms(commit.ms)}`);
  ctx.out(lines.join("\n") + "\n");
}
