// referee model commit: the model commitment (what a dApp trusts) with every part it
// hashes, and the shape of the compiled program.
import * as path from "path";
import { Kind, Program, Space } from "../../program/isa";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import { initHasher, modelCommitment } from "../../commit";
import * as fmt from "../format";
import { compileWithProgress, readModel } from "../model";
import { programSteps } from "../../vm/layout";

export interface ProgramStats {
  instructions: number;
  instructionsByKind: Record<string, number>;
  slots: { weight: number; input: number; activation: number };
  weightValues: number;
  activationValues: number;
  steps: number;
}

export function programStats(program: Program): ProgramStats {
  const byKind: Record<string, number> = {};
  for (const k of [Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move]) byKind[Kind[k]] = 0;
  for (const ins of program.instructions) byKind[Kind[ins.kind]]++;
  return {
    instructions: program.instructions.length,
    instructionsByKind: byKind,
    slots: { weight: program.weights.length, input: program.inputs.length, activation: program.activations.length },
    weightValues: program.weights.reduce((a, w) => a + w.data.length, 0),
    activationValues: program.activations.reduce((a, s) => a + s.length, 0),
    steps: programSteps(program),
  };
}

export async function commit(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const { compiled, ms: compileMs } = compileWithProgress(model, args, ctx.progress);
  const commit = await ctx.progress.phaseAsync("committing", async () => {
    await initHasher();
    return modelCommitment(compiled.program, compiled.onnxHash);
  });
  const stats = programStats(compiled.program);
  const specs = (list: Program["inputs"]) =>
    list.map((t) => ({ name: t.name, dims: t.dims, space: Space[t.slot.space], slot: t.slot.index }));
  if (args.has("json")) {
    ctx.out(
      JSON.stringify({
        model: model.path,
        modelCommitment: commit.value.commitment,
        programRoot: commit.value.programRoot,
        weightsRoot: commit.value.weightsRoot,
        initialActivationsRoot: commit.value.initialActivationsRoot,
        steps: commit.value.N,
        inputSpecsHash: commit.value.inputSpecsHash,
        outputSpecsHash: commit.value.outputSpecsHash,
        onnxFileHash: commit.value.onnxFileHash,
        compilerVersion: commit.value.compilerVersion,
        inputs: specs(compiled.program.inputs),
        outputs: specs(compiled.program.outputs),
        program: stats,
        timings: { compileMs, commitMs: commit.ms },
      }) + "\n",
    );
    return;
  }
  const c = commit.value;
  const kinds = Object.entries(stats.instructionsByKind)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const lines = [
    `model                     ${path.basename(model.path)}`,
    `model commitment          ${c.commitment}`,
    `  program root            ${c.programRoot}`,
    `  weights root            ${c.weightsRoot}`,
    `  initial activations     ${c.initialActivationsRoot}`,
    `  steps N                 ${fmt.int(c.N)}`,
    `  input specs hash        ${c.inputSpecsHash}`,
    `  output specs hash       ${c.outputSpecsHash}`,
    model.pipeline
      ? `  pipeline hash           ${c.onnxFileHash} (in the ONNX file hash field)`
      : `  ONNX file hash          ${c.onnxFileHash}`,
    `  compiler version        ${c.compilerVersion}`,
    `inputs                    ${compiled.program.inputs.map((t) => `${t.name} ${fmt.dims(t.dims)}`).join(", ")}`,
    `outputs                   ${compiled.program.outputs.map((t) => `${t.name} ${fmt.dims(t.dims)}`).join(", ")}`,
    `instructions              ${fmt.int(stats.instructions)} (${kinds})`,
    `slots                     weight ${stats.slots.weight}, input ${stats.slots.input}, activation ${stats.slots.activation}`,
    `weights                   ${fmt.int(stats.weightValues)} values in ${stats.slots.weight} slots`,
    `activations               ${fmt.int(stats.activationValues)} values`,
    `timings                   compile ${fmt.ms(compileMs)}, commit ${fmt.ms(commit.ms)}`,
  ];
  ctx.out(lines.join("\n") + "\n");
}
