// referee challenger: the challenger agent's loop on a deployment (node/agents/challenger.ts).
import { Challenger } from "../../agents/challenger";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import { agentSetup, runLoop } from "../agent-loop";

export async function challenger(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const { c, d, model, sender, log, loop } = await agentSetup(args, ctx);
  const name = "challenger";
  const agent = new Challenger(name, d, sender, model, log, { autoWithdraw: true });
  agent.progress = (label, work) => ctx.progress.phase(label, work).value;
  log(
    `${name} ${sender.address} watches claims on model ${model.modelId} (N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})`,
    {
      event: "started",
      agent: name,
      address: sender.address,
      modelId: model.modelId,
      steps: Number(model.parts.steps),
      network: c.network,
    },
  );
  await runLoop(() => agent.tick(), { ...loop, name });
}
