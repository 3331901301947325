// referee claims | games | account: what is pending on a deployment, read from the chain.
import { getAddress, isAddress } from "ethers";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, deploymentOf, signerOf } from "../chain";
import type { CommandContext } from "../command";
import { DeploymentIndex, accountView, jsonSafe, tokenInfo } from "../../chain/views";
import { claimWindow, formatAccount, formatClaims, formatGames, iso } from "../watch-format";

async function indexOf(args: ParsedArgs) {
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const index = new DeploymentIndex(d, c.provider);
  const time = await chainCall(() => index.refresh());
  return { c, d, index, time };
}

export async function claims(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const { d, index, time } = await indexOf(args);
  const [rows, token] = await chainCall(() => Promise.all([index.claims(true), tokenInfo(d)]));
  if (args.has("json")) {
    const out = rows.map((r) => {
      const w = claimWindow(r, time.timestamp);
      return {
        ...r,
        secondsLeft: r.openGames > 0 ? null : Math.max(0, r.challengeDeadline - time.timestamp),
        finalAt: r.openGames > 0 ? null : iso(r.challengeDeadline),
        window: w.left,
      };
    });
    ctx.out(JSON.stringify(jsonSafe({ ...time, token, claims: out })) + "\n");
  } else ctx.out(formatClaims(time, rows, token));
}

export async function games(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const { index, time } = await indexOf(args);
  const rows = await chainCall(() => index.games(true));
  ctx.out(args.has("json") ? JSON.stringify(jsonSafe({ ...time, games: rows })) + "\n" : formatGames(time, rows));
}

export async function account(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const raw = args.positionals[0];
  if (raw !== undefined && !isAddress(raw)) throw usageError(`referee account expects an address, got '${raw}'`);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const address = raw !== undefined ? getAddress(raw) : signerOf(args, c).address;
  const [view, head] = await chainCall(() =>
    Promise.all([accountView(d, c.provider, address), c.provider.getBlock("latest")]),
  );
  const time = { block: head!.number, timestamp: head!.timestamp };
  ctx.out(args.has("json") ? JSON.stringify(jsonSafe({ ...time, ...view })) + "\n" : formatAccount(time, view));
}
