// referee request: send a model's input with a fee; with --wait, follow it to the verified output.
import { ZeroAddress, isAddress } from "ethers";
import { ensureAllowance } from "../../chain/allowance";
import { formatAmount, toUnits } from "../../chain/amounts";
import { chainNow } from "../../chain/clock";
import { requireFunding } from "../../chain/funding";
import { f32Bytes } from "../../chain/encoding";
import { RefereeError } from "../../errors";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, committedModel, connect, deploymentOf, requireRegistered, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { inputSource } from "../model";
import { formatRequestView, requestView } from "../request-status";
import { amountOption, tokenOf } from "../token";

export async function request(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const json = args.has("json");
  const consumer = args.get("consumer") ?? ZeroAddress;
  if (!isAddress(consumer)) throw usageError(`--consumer expects an address, got '${consumer}'`);
  const callbackGas = args.int("callback-gas", consumer === ZeroAddress ? 0 : 200_000)!;
  const ttl = args.int("ttl", 3600)!;
  const timeoutS = args.int("timeout", 3600)!;
  const feeArg = amountOption(args, "fee");
  const { file, model } = await committedModel(args, ctx);
  const inputs = inputSource(args, model.model.program.inputs).inputs(0);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  await requireRegistered(d, model, file);
  const sender = await senderOf(args, c, d);
  const token = await tokenOf(d, args, ctx);
  const quote = await chainCall(() => d.coordinator.quoteFee(model.modelId, callbackGas));
  const fee = feeArg === undefined ? quote : toUnits("--fee", feeArg, token);
  if (fee < quote)
    throw usageError(
      `--fee ${formatAmount(fee, token)} is below the coordinator's quote ${formatAmount(quote, token)}`,
    );
  await chainCall(() =>
    requireFunding(
      d,
      c.provider,
      { role: "requester", address: sender.address, tokens: fee, tokensFor: "the fee" },
      token,
    ),
  );
  const input = f32Bytes(inputs);
  const coordinator = await d.coordinator.getAddress();
  await chainCall(() => ensureAllowance(sender, d.token, coordinator, fee));
  // Not the latest block's time alone: an idle dev chain's lags the time its next block takes.
  const now = await chainCall(() => chainNow(c.provider));
  const sent = await chainCall(() =>
    sender.send(() =>
      d.coordinator.request.populateTransaction(model.modelId, input, fee, consumer, callbackGas, now + ttl),
    ),
  );
  let requestId: bigint | null = null;
  for (const l of sent.receipt.logs) {
    const parsed = d.coordinator.interface.parseLog(l);
    if (parsed?.name === "Requested") requestId = parsed.args.requestId as bigint;
  }
  if (requestId === null) throw new RefereeError("CHAIN", `transaction ${sent.hash} logged no Requested event`);
  const summary = {
    requestId: String(requestId),
    modelId: model.modelId,
    fee: String(fee),
    inputBytes: (input.length - 2) / 2,
    deadline: now + ttl,
    tx: sent.hash,
    gasUsed: Number(sent.gasUsed),
  };
  if (!args.has("wait")) {
    ctx.out(
      json
        ? JSON.stringify(summary) + "\n"
        : `request #${requestId} sent: fee ${formatAmount(fee, token)}, ${summary.inputBytes} input bytes, gas ${sent.gasUsed}\n  follow it with: referee status ${requestId}\n`,
    );
    return;
  }
  // The id first (a script can follow the request while this waits), the outcome last.
  ctx.out(
    json
      ? JSON.stringify({ event: "sent", ...summary }) + "\n"
      : `request #${requestId} sent (fee ${formatAmount(fee, token)}); waiting for a claim to become final…\n`,
  );
  const t0 = Date.now();
  const { value: view } = await ctx.progress.phaseAsync("waiting for the verified output", async () => {
    for (;;) {
      const v = (await chainCall(() => requestView(d, requestId)))!;
      if (v.status === "Finalized" || v.status === "Refunded") return v;
      if (Date.now() - t0 > timeoutS * 1000)
        throw new RefereeError(
          "CHAIN",
          `request #${requestId} is still ${v.status} after ${timeoutS} s (referee status ${requestId})`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  ctx.out(json ? JSON.stringify({ event: "final", ...summary, ...view }) + "\n" : formatRequestView(view, token));
}
