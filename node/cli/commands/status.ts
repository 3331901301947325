// referee status <requestId>: what the chain says about a request.
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, deploymentOf } from "../chain";
import type { CommandContext } from "../command";
import { formatRequestView, requestView } from "../request-status";
import { RefereeError } from "../../errors";
import { tokenOf } from "../token";

export async function status(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const raw = args.positionals[0];
  if (raw === undefined || !/^\d+$/.test(raw))
    throw usageError(`referee status expects a request id, got '${raw ?? ""}'`);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const v = await chainCall(() => requestView(d, BigInt(raw)));
  if (!v) throw new RefereeError("USAGE", `no request #${raw} in this deployment`);
  if (args.has("json")) ctx.out(JSON.stringify(v) + "\n");
  else ctx.out(formatRequestView(v, await tokenOf(d, args, ctx)));
}
