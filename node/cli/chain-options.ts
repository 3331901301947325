// The options every chain command takes, and their help: no ethers here, so --help stays fast.
import type { OptionSpec } from "./args";

export const DEFAULT_RPC = "http://127.0.0.1:8545";

export const CHAIN_OPTIONS_LIST: OptionSpec[] = [
  { name: "rpc", kind: "value", metavar: "url", help: `JSON-RPC URL (default $REFEREE_RPC_URL, else ${DEFAULT_RPC})` },
  {
    name: "network",
    kind: "value",
    metavar: "name",
    help: "use the deployment record deployments/<name>.json (default: the one for the node's chain id)",
  },
  { name: "deployments", kind: "value", metavar: "dir", help: "where deployment records live (default ./deployments)" },
  {
    name: "account",
    kind: "value",
    metavar: "i",
    help: "on a dev chain (31337): use Hardhat's i-th dev account instead of $REFEREE_PRIVATE_KEY",
  },
];

export const CHAIN_DETAILS_TEXT = `accounts:
  The signing key is read from the environment variable REFEREE_PRIVATE_KEY (0x-hex).
  On a development chain (chain id 31337, e.g. \`npx hardhat node\`), --account i uses
  Hardhat's i-th development account instead.

deployments:
  \`referee deploy\` writes deployments/<network>.json (addresses, ABIs, the deployment's
  block), named by --network, else by the chain: localhost on a dev chain, sepolia, base,
  arbitrum, optimism, … (docs/CHAINS.md), else chain-<chainId>. The other commands use the
  record for the node's chain id (eth_chainId), or the one --network names, and refuse a
  stale one (a restarted dev chain: no code at the recorded addresses, or another block
  where the deployment's was).`;
