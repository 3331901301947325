// npm run deploy [-- --network localhost]: the protocol on a Hardhat network (the in-process
// chain by default, `localhost` for `npx hardhat node`), recorded in deployments/<network>.json.
// Public networks are defined by hardhat.config.ts from their <NETWORK>_RPC_URL variable
// (`npm run deploy -- --network base-sepolia`); REFEREE_TOKEN names an existing ERC20 to use
// (required on a mainnet). For any other chain, `referee deploy --rpc <url>` with REFEREE_PRIVATE_KEY set.
import hre from "hardhat";
import { isAddress } from "ethers";
import { join } from "path";
import { deployReferee, recordOf, writeDeployment } from "../node/chain/deploy";

async function main(): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  if (!deployer)
    throw new Error(
      `no deployer account for ${hre.network.name}: set its <NETWORK>_PRIVATE_KEY or REFEREE_PRIVATE_KEY`,
    );
  const token = process.env.REFEREE_TOKEN || undefined;
  if (token !== undefined && !isAddress(token)) throw new Error(`REFEREE_TOKEN is not an address: '${token}'`);
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  console.log(`deploying to ${hre.network.name} (chain ${chainId}) from ${deployer.address}`);
  const d = await deployReferee(deployer, deployer.address, {}, { token }, (what) => console.log(`  ${what}`));
  const file = writeDeployment(join(__dirname, "..", "deployments"), await recordOf(d, hre.network.name, chainId));
  console.log(
    `deployed: ${d.gasUsed} gas; coordinator ${await d.coordinator.getAddress()}, dispute game ${await d.game.getAddress()}`,
  );
  console.log(`record written to ${file}`);
  if (hre.network.name === "hardhat")
    console.log(
      "(the in-process chain ends with this script: use --network localhost with `npx hardhat node` to keep it)",
    );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
