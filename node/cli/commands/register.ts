// referee register: compile a model, commit to it, and register it (idempotent: an already
// registered model is reported, not an error).
import * as path from "path";
import { initHasher } from "../../commit";
import { ModelRun } from "../../agents/model-run";
import type { ParsedArgs } from "../args";
import { chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { compileWithProgress, readModel } from "../model";

export async function register(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  await initHasher();
  const loaded = readModel(args.positionals[0]);
  const { compiled } = compileWithProgress(loaded, args, ctx.progress);
  const model = ctx.progress.phase("committing to the model", () => new ModelRun(compiled)).value;
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const name = args.get("name") ?? path.basename(loaded.path);
  const uri = args.get("uri") ?? `file:${path.basename(loaded.path)}`;
  const already = await chainCall(() => d.registry.isRegistered(model.modelId));
  let gas = 0n;
  if (!already) {
    const sender = await senderOf(args, c, d);
    gas = (await chainCall(() => sender.send(() => d.registry.register.populateTransaction(model.parts, name, uri)))).gasUsed;
  }
  const steps = Number(model.parts.steps);
  if (args.has("json")) {
    ctx.out(JSON.stringify({ modelId: model.modelId, name, uri, steps, instructions: compiled.program.instructions.length, alreadyRegistered: already, gasUsed: Number(gas) }) + "\n");
    return;
  }
  ctx.out(`${already ? "already registered" : "registered"}: ${name}\n`);
  ctx.out(`  model id      ${model.modelId}\n`);
  ctx.out(`  steps N       ${steps.toLocaleString("en-US")} (${compiled.program.instructions.length} instructions)\n`);
  if (!already) ctx.out(`  gas           ${gas}\n`);
}
