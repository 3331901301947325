// npm run deploy [-- --network localhost]: the protocol on a Hardhat network (the in-process
// chain by default, `localhost` for `npx hardhat node`), recorded in deployments/<network>.json.
// For any other chain, `referee deploy --rpc <url>` with REFEREE_PRIVATE_KEY set.
import hre from "hardhat";
import { join } from "path";
import { deployReferee, recordOf, writeDeployment } from "../node/chain/deploy";

async function main(): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  console.log(`deploying to ${hre.network.name} (chain ${chainId}) from ${deployer.address}`);
  const d = await deployReferee(deployer, deployer.address, {}, {}, (what) => console.log(`  ${what}`));
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
