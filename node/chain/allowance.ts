// Token approvals as the agents and the CLI make them: one max approval, only when needed.
import { MaxUint256 } from "ethers";
import type { Deployment } from "./deploy";
import { withRetry } from "./retry";
import type { TxSender } from "./sender";

/** Approves `spender` for the deployment's token (max allowance) when its allowance is below `need`; true if it did. */
export async function ensureAllowance(
  sender: TxSender,
  token: Deployment["token"],
  spender: string,
  need: bigint,
): Promise<boolean> {
  if ((await withRetry(() => token.allowance(sender.address, spender))) >= need) return false;
  await sender.send(() => token.approve.populateTransaction(spender, MaxUint256));
  return true;
}
