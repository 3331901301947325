// referee challenger: the challenger agent's loop on a deployment (node/agents/challenger.ts).
import { Challenger } from "../../agents/challenger";
import type { ParsedArgs } from "../args";
import { connect, deploymentOf, logOf, senderOf, servedModel } from "../chain";
import type { CommandContext } from "../command";
import { runLoop } from "../agent-loop";

export async function challenger(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const pollMs = args.int("poll", 1000)!;
  const log = logOf(args, ctx);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const model = await servedModel(args, ctx, d);
  const sender = await senderOf(args, c, d);
  const name = "challenger";
  const agent = new Challenger(name, d, sender, model, log, { autoWithdraw: true });
  log(`${name} ${sender.address} watches claims on model ${model.modelId} (N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})`, {
    event: "started", agent: name, address: sender.address, modelId: model.modelId, steps: Number(model.parts.steps), network: c.network,
  });
  await runLoop(() => agent.tick(), { pollMs, once: args.has("once"), log, name });
}
