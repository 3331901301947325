// referee register: compile a model, commit to it, and register it (idempotent: an already
// registered model is reported, not an error).
import * as path from "path";
import type { ParsedArgs } from "../args";
import { chainCall, committedModel, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { requireFunding } from "../../chain/funding";
import { tokenOf } from "../token";

export async function register(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const { file, model } = await committedModel(args, ctx);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const name = args.get("name") ?? path.basename(file);
  const uri = args.get("uri") ?? `file:${path.basename(file)}`;
  const already = await chainCall(() => d.registry.isRegistered(model.modelId));
  let gas = 0n;
  if (!already) {
    const sender = await senderOf(args, c, d);
    const token = await tokenOf(d, args, ctx);
    const need = { role: "registrant", address: sender.address, tokens: 0n, tokensFor: "" };
    await chainCall(() => requireFunding(d, c.provider, need, token));
    gas = (await chainCall(() => sender.send(() => d.registry.register.populateTransaction(model.parts, name, uri))))
      .gasUsed;
  }
  const steps = Number(model.parts.steps);
  if (args.has("json")) {
    ctx.out(
      JSON.stringify({
        modelId: model.modelId,
        name,
        uri,
        steps,
        instructions: model.model.program.instructions.length,
        alreadyRegistered: already,
        gasUsed: Number(gas),
      }) + "\n",
    );
    return;
  }
  ctx.out(`${already ? "already registered" : "registered"}: ${name}\n`);
  ctx.out(`  model id      ${model.modelId}\n`);
  ctx.out(
    `  steps N       ${steps.toLocaleString("en-US")} (${model.model.program.instructions.length} instructions)\n`,
  );
  if (!already) ctx.out(`  gas           ${gas}\n`);
}
