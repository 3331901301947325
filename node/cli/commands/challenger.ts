// referee challenger: the challenger agent's loop on a deployment (node/agents/challenger.ts).
import { Challenger } from "../../agents/challenger";
import type { ParsedArgs } from "../args";
import { RefereeError } from "../../errors";
import type { CommandContext } from "../command";
import { agentSetup, logStarted, runAgents } from "../agent-loop";
import { chainCall } from "../chain";
import { fundingShortfalls } from "../../chain/funding";
import { tokenOf } from "../token";

export async function challenger(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const name = "challenger";
  const setup = await agentSetup(args, ctx, { name, side: "challenger" });
  const { c, d, models, sender, log } = setup;
  // No ETH: it cannot move in any game, stop now. Too few tokens for a bond only warns: a
  // restarted challenger may be resuming games whose bonds it posted already.
  const need = {
    role: name,
    address: sender.address,
    tokens: d.options.challengerBond,
    tokensFor: "a challenge's bond",
  };
  const short = await chainCall(async () => fundingShortfalls(d, c.provider, need, await tokenOf(d, args, ctx)));
  const eth = short.find((s) => s.kind === "eth");
  if (eth) throw new RefereeError("CHAIN", eth.message);
  for (const s of short)
    log(`${name}: cannot open new games: ${s.message}`, { event: "underfunded", agent: name, shortfall: s.message });
  const agents = models.map(({ model }) => {
    const agent = new Challenger(name, d, sender, model, log, { autoWithdraw: true });
    agent.sharedAccount = models.length > 1;
    agent.progress = (label, work) => ctx.progress.phase(label, work).value;
    return agent;
  });
  logStarted(setup, name, "watches claims on");
  await runAgents(
    setup,
    agents,
    async () => {
      for (const agent of agents) await agent.tick();
    },
    { name },
  );
}
