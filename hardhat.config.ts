import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import type { NetworksUserConfig } from "hardhat/types";
import { configuredNetworks } from "./node/chain/networks";

const SOLC_VERSION = "0.8.30";
const SOLC_LONG_VERSION = "0.8.30+commit.73712a01";

// Hardhat cannot download compilers here: compile with the solc-js build shipped in the `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion === SOLC_VERSION) {
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: SOLC_VERSION,
      longVersion: SOLC_LONG_VERSION,
    };
  }
  const build: unknown = await runSuper();
  return build;
});

// Public testnets and L2s (node/chain/networks.ts), each defined only when its URL is set:
// SEPOLIA_RPC_URL, BASE_SEPOLIA_RPC_URL, ARBITRUM_SEPOLIA_RPC_URL, OPTIMISM_SEPOLIA_RPC_URL,
// MAINNET_RPC_URL, BASE_RPC_URL, ARBITRUM_RPC_URL, OPTIMISM_RPC_URL. The deployer key is
// <PREFIX>_PRIVATE_KEY, else REFEREE_PRIVATE_KEY (the CLI's); without one the network is read-only.
function publicNetworks(): NetworksUserConfig {
  const out: NetworksUserConfig = {};
  for (const { network, env } of configuredNetworks(process.env)) {
    if (env.key !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(env.key))
      throw new Error(`the deployer key for ${network.name} is not a 32-byte hex private key`);
    out[network.name] = { url: env.url, chainId: network.chainId, accounts: env.key ? [env.key] : [] };
  }
  return out;
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      viaIR: false,
    },
  },
  paths: { sources: "contracts", tests: "test", cache: "cache", artifacts: "artifacts" },
  networks: {
    hardhat: { allowUnlimitedContractSize: false },
    localhost: { url: process.env.REFEREE_RPC_URL ?? "http://127.0.0.1:8545" },
    ...publicNetworks(),
  },
  mocha: { timeout: 600_000 },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
