// Why a consumer callback failed. The coordinator calls the consumer copying no return data
// (a consumer cannot grief it with a huge revert reason) and its CallbackFailed event says
// only that it failed, so the reason is found the way a debugger would: the same call,
// from the coordinator with the request's gas limit, replayed on the state before the block.
import { Interface } from "ethers";
import type { Provider } from "ethers";
import { decodeRevert } from "../chain/errors";

const CONSUMER = new Interface([
  "function onInferenceResult(uint256 requestId, bytes32 modelId, address requester, bytes32 inputHash, bytes output)",
]);

export interface CallbackCall {
  coordinator: string;
  consumer: string;
  requestId: bigint;
  modelId: string;
  requester: string;
  inputHash: string;
  output: string;
  gasLimit: bigint;
  /** The block the callback failed in: the replay runs on the state before it. */
  blockNumber: number;
}

/** One line: the consumer's custom error (decoded against `interfaces`), its revert string, or what else is known. */
export async function callbackFailureReason(
  provider: Provider,
  c: CallbackCall,
  interfaces: readonly Interface[],
): Promise<string> {
  const data = CONSUMER.encodeFunctionData("onInferenceResult", [
    c.requestId,
    c.modelId,
    c.requester,
    c.inputHash,
    c.output,
  ]);
  try {
    await provider.call({
      from: c.coordinator,
      to: c.consumer,
      data,
      gasLimit: c.gasLimit,
      blockTag: Math.max(0, c.blockNumber - 1),
    });
  } catch (e) {
    const err = decodeRevert(e, interfaces);
    if (err.errorName !== null) return `reverted with ${err.shortMessage}`;
    // Hardhat: "Transaction ran out of gas"; geth: "out of gas".
    if (/out of gas/i.test(err.shortMessage)) return `ran out of its ${c.gasLimit} gas`;
    const raw = (e as { data?: unknown }).data;
    const selector = typeof raw === "string" && raw.length >= 10 ? ` (error data ${raw.slice(0, 10)}…)` : "";
    return `${err.shortMessage}${selector}`;
  }
  return `it succeeds when replayed with its ${c.gasLimit} gas before that block: it ran out of gas there, or depended on state changed since`;
}
