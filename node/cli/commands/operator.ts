// referee operator: the operator agent's loop on a deployment (node/agents/operator.ts).
import { Operator } from "../../agents/operator";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import { agentSetup, runLoop } from "../agent-loop";

export async function operator(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const cheatAt = args.int("cheat-at");
  const claims = args.int("stake-claims", 3)!;
  const { c, d, model, sender, log, loop } = await agentSetup(args, ctx);
  const name = cheatAt === undefined ? "operator" : "cheating operator";
  const agent = new Operator(name, d, sender, model, log, {
    autoWithdraw: true,
    ...(cheatAt === undefined ? {} : { cheatAt, cheatOutput: 1 }),
  });
  agent.progress = (label, work) => ctx.progress.phase(label, work).value;
  log(
    `${name} ${sender.address} serves model ${model.modelId} (N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})${cheatAt === undefined ? "" : `; CHEATING from step ${cheatAt}`}`,
    {
      event: "started",
      agent: name,
      address: sender.address,
      modelId: model.modelId,
      steps: Number(model.parts.steps),
      network: c.network,
      cheatAt,
    },
  );
  await runLoop(
    async () => {
      await agent.ensureStake(claims);
      await agent.tick();
    },
    { ...loop, name },
  );
}
