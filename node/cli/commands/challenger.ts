// referee challenger: the challenger agent's loop on a deployment (node/agents/challenger.ts).
import { Challenger } from "../../agents/challenger";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import { agentSetup, runAgents } from "../agent-loop";

export async function challenger(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const name = "challenger";
  const setup = await agentSetup(args, ctx, { name, side: "challenger" });
  const { c, d, models, sender, log } = setup;
  const agents = models.map(({ model }) => {
    const agent = new Challenger(name, d, sender, model, log, { autoWithdraw: true });
    agent.sharedAccount = models.length > 1;
    agent.progress = (label, work) => ctx.progress.phase(label, work).value;
    return agent;
  });
  for (const { label, model } of models)
    log(
      `${name} ${sender.address} watches claims on model ${label} (${model.modelId}, N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})`,
      {
        event: "started",
        agent: name,
        address: sender.address,
        model: label,
        modelId: model.modelId,
        steps: Number(model.parts.steps),
        network: c.network,
      },
    );
  await runAgents(
    setup,
    agents,
    async () => {
      for (const agent of agents) await agent.tick();
    },
    { name },
  );
}
