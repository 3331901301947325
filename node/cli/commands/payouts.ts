// referee refund | retry-callback | withdraw: the requester's and everyone's pull payments.
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { ChainConnection, chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { claimedOutputOf } from "../../chain/claims";
import type { Deployment } from "../../chain/deploy";
import { finalizeGasLimit } from "../../chain/finalize-gas";
import type { TxSender } from "../../chain/sender";
import { CallbackStatus, statusName } from "../../chain/status";
import { formatAmount } from "../../chain/amounts";
import { tokenOf } from "../token";

function requestIdOf(args: ParsedArgs): bigint {
  const raw = args.positionals[0];
  if (raw === undefined || !/^\d+$/.test(raw)) throw usageError(`expected a request id, got '${raw ?? ""}'`);
  return BigInt(raw);
}

async function setup(args: ParsedArgs): Promise<{ c: ChainConnection; d: Deployment; sender: TxSender }> {
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  return { c, d, sender: await senderOf(args, c, d) };
}

/** Pulls what `contract` owes this account; 0 when nothing is credited. */
async function pull(sender: TxSender, contract: Deployment["coordinator"] | Deployment["game"]): Promise<bigint> {
  const owed = await chainCall(() => contract.payoutOf(sender.address));
  if (owed > 0n) await chainCall(() => sender.send(() => contract.withdraw.populateTransaction()));
  return owed;
}

export async function refund(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const id = requestIdOf(args);
  const { d, sender } = await setup(args);
  const token = await tokenOf(d, args, ctx);
  await chainCall(() => sender.send(() => d.coordinator.refund.populateTransaction(id)));
  const withdrawn = await pull(sender, d.coordinator);
  ctx.out(
    args.has("json")
      ? JSON.stringify({ requestId: String(id), withdrawn: String(withdrawn) }) + "\n"
      : `request #${id} refunded; withdrew ${formatAmount(withdrawn, token)}\n`,
  );
}

export async function retryCallback(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const id = requestIdOf(args);
  const { c, d, sender } = await setup(args);
  // The chain keeps the output's hash; the bytes are in the final claim's Claimed event.
  const request = await chainCall(() => d.coordinator.getRequest(id));
  // No claim: nothing to deliver; the coordinator's named refusal says why.
  const output = request.claimId === 0n ? "0x" : await chainCall(() => claimedOutputOf(d, c.provider, request.claimId));
  // As finalize: an explicit limit, since estimating a call whose callback reverts is unreliable.
  const gasLimit = finalizeGasLimit(request.callbackGasLimit, (output.length - 2) / 2);
  await chainCall(() => sender.send(() => d.coordinator.retryCallback.populateTransaction(id, output, { gasLimit })));
  const status = statusName(CallbackStatus, (await chainCall(() => d.coordinator.getRequest(id))).callbackStatus);
  ctx.out(
    args.has("json")
      ? JSON.stringify({ requestId: String(id), callback: status }) + "\n"
      : `request #${id}: callback ${status}\n`,
  );
}

export async function withdraw(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const { d, sender } = await setup(args);
  const token = await tokenOf(d, args, ctx);
  const fees = await pull(sender, d.coordinator);
  const game = await pull(sender, d.game);
  ctx.out(
    args.has("json")
      ? JSON.stringify({ coordinator: String(fees), game: String(game) }) + "\n"
      : `withdrew ${formatAmount(fees, token)} from the coordinator (fees, refunds) and ${formatAmount(game, token)} from the dispute game (bonds, rewards)\n`,
  );
}
