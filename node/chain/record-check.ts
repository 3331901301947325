// Is a deployment record still about the chain behind a provider? A dev chain restarted
// (`npx hardhat node`) keeps its chain id and, deployed to again by the same account, even the
// addresses: only the chain's content tells them apart. Without this check a stale record
// surfaces as `could not decode result data` from the first call to an empty address.
import type { Provider } from "ethers";
import type { DeploymentRecord } from "./deployment-record";
import { CONTRACT_NAMES } from "./deployment-record";

/** Why `record` does not describe the chain behind `provider`, or null if it does. */
export async function staleReason(provider: Provider, record: DeploymentRecord): Promise<string | null> {
  const [codes, block] = await Promise.all([
    Promise.all(CONTRACT_NAMES.map((name) => provider.getCode(record.addresses[name]))),
    record.deployBlock ? provider.getBlock(record.deployBlock.number) : Promise.resolve(undefined),
  ]);
  const empty = CONTRACT_NAMES.findIndex((_, i) => codes[i] === "0x");
  if (empty >= 0) {
    const name = CONTRACT_NAMES[empty];
    return `no contract at its ${name} address ${record.addresses[name]}`;
  }
  const want = record.deployBlock;
  if (want && block === null) return `the chain has no block ${want.number} yet, the deployment's last`;
  if (want && block && block.hash !== want.hash)
    return `block ${want.number} is ${block.hash!.slice(0, 10)}…, the deployment's was ${want.hash.slice(0, 10)}…`;
  return null;
}
