// Deployment records (node/chain/deployment-record.ts): they carry each contract's ABI and the
// deployment's block, are found by chain id, format-1 records stay readable, and a record that
// does not describe the chain is told apart (node/chain/record-check.ts), on Hardhat's chain.
import { expect } from "chai";
import hre from "hardhat";
import { BrowserProvider, Contract, HDNodeWallet, Interface, Network, Wallet } from "ethers";
import { RefereeError } from "../node/errors";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { deployReferee, recordOf } from "../node/chain/deploy";
import {
  RECORD_FORMAT,
  RECORD_FORMAT_V1,
  parseRecord,
  readDeployment,
  recordsForChain,
  writeDeployment,
  type DeploymentRecord,
} from "../node/chain/deployment-record";
import { staleReason } from "../node/chain/record-check";
import { configuredNetworks, defaultNetworkName, isMainnet } from "../node/chain/networks";

describe("deployment records: ABIs, deployment block, lookup by chain id, stale records", function () {
  this.timeout(120_000);
  let record: DeploymentRecord;
  let dir: string;

  before(async () => {
    const [deployer, treasury] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    record = await recordOf(d, "hardhat", 31337);
    dir = mkdtempSync(join(tmpdir(), "referee-records-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const copy = (r: DeploymentRecord): DeploymentRecord => JSON.parse(JSON.stringify(r)) as DeploymentRecord;

  it("a record alone is enough to use the deployment: its ABIs talk to the contracts", async () => {
    expect(record.format).to.equal(RECORD_FORMAT);
    const file = writeDeployment(dir, record);
    const back = readDeployment(dir, "hardhat");
    expect(back).to.deep.equal(record);
    // Nothing from typechain: the record's own ABI and address.
    const coordinator = new Contract(back.addresses.coordinator, back.abis.coordinator, hre.ethers.provider);
    expect(await coordinator.getFunction("disputeGame")()).to.equal(back.addresses.game);
    const token = new Contract(back.addresses.token, back.abis.token, hre.ethers.provider);
    expect(await token.getFunction("decimals")()).to.be.a("bigint");
    expect(new Interface(back.abis.coordinator).getEvent("Requested"), "events are in the ABI").to.not.equal(null);
    expect(new Interface(back.abis.game).getFunction("step"), "so are the game's moves").to.not.equal(null);
    const block = await hre.ethers.provider.getBlock(back.deployBlock!.number);
    expect(block!.hash).to.equal(back.deployBlock!.hash);
    expect(back.deployBlock!.number).to.be.greaterThan(back.fromBlock);
    expect(recordsForChain(dir, 31337).map((f) => f.file)).to.deep.equal([file]);
    expect(recordsForChain(dir, 1)).to.deep.equal([]);
  });

  it("a live record is not stale; one whose contracts or block the chain lacks is, with the reason", async () => {
    const provider = hre.ethers.provider;
    expect(await staleReason(provider, record)).to.equal(null);
    const noCode = copy(record);
    noCode.addresses.coordinator = Wallet.createRandom().address;
    expect(await staleReason(provider, noCode)).to.equal(
      `no contract at its coordinator address ${noCode.addresses.coordinator}`,
    );
    const otherBlock = copy(record);
    otherBlock.deployBlock!.hash = "0x" + "ab".repeat(32);
    expect(await staleReason(provider, otherBlock)).to.match(
      new RegExp(`^block ${record.deployBlock!.number} is 0x[0-9a-f]{8}…, the deployment's was 0xabababab…$`),
    );
    const future = copy(record);
    future.deployBlock!.number = (await provider.getBlockNumber()) + 1000;
    expect(await staleReason(provider, future)).to.match(/^the chain has no block \d+ yet/);
  });

  it("format-1 records (no format, ABIs or block) are read with the shipped ABIs and checked by code", async () => {
    const v1: Partial<DeploymentRecord> = copy(record);
    delete v1.format;
    delete v1.abis;
    delete v1.deployBlock;
    writeFileSync(join(dir, "old.json"), JSON.stringify(v1));
    const back = readDeployment(dir, "old");
    expect(back.format).to.equal(RECORD_FORMAT_V1);
    expect(back.abis.coordinator).to.deep.equal(record.abis.coordinator);
    expect(back.deployBlock).to.equal(undefined);
    expect(await staleReason(hre.ethers.provider, back)).to.equal(null);
  });

  it("a malformed record is one line naming the file and the problem", () => {
    const bad = copy(record) as unknown as Record<string, unknown>;
    bad.addresses = { ...record.addresses, game: "0x12" };
    expect(() => parseRecord(bad, "x.json")).to.throw("x.json is not a Referee deployment record: addresses.game");
    expect(() => parseRecord({ ...record, format: "referee-deployment-9" }, "y.json")).to.throw(/unknown format/);
    writeFileSync(join(dir, "broken.json"), "{");
    // A broken file in the folder does not hide the chain's good records.
    expect(recordsForChain(dir, 31337).map((f) => f.record.network)).to.deep.equal(["hardhat", "hardhat"]);
    expect(() => readDeployment(dir, "broken")).to.throw(/^cannot read deployment record .*broken\.json/);
  });

  it("on a mainnet the mintable TestToken is refused before any transaction", async () => {
    // Hardhat's chain seen as chain 1: the guard reads the chain id the signer's provider reports.
    const eip1193 = hre.network.provider as unknown as ConstructorParameters<typeof BrowserProvider>[0];
    const asMainnet = new BrowserProvider(eip1193, 1, { staticNetwork: Network.from(1) });
    const deployer = HDNodeWallet.fromPhrase(DEV_MNEMONIC).connect(asMainnet);
    const nonce = await hre.ethers.provider.getTransactionCount(deployer.address);
    const err = await deployReferee(deployer, deployer.address).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RefereeError);
    expect((err as RefereeError).message).to.equal(
      "chain 1 is a mainnet: pass the ERC20 to bond and pay in (--token), the mintable TestToken is for test chains",
    );
    expect(await hre.ethers.provider.getTransactionCount(deployer.address), "no transaction sent").to.equal(nonce);
  });

  it("public networks are defined only by their URL variable; the chain id names the record", () => {
    expect(configuredNetworks({})).to.deep.equal([]);
    const key = "0x" + "11".repeat(32);
    const set = configuredNetworks({ BASE_SEPOLIA_RPC_URL: "https://b.example", REFEREE_PRIVATE_KEY: key });
    expect(set.map((n) => [n.network.name, n.network.chainId, n.env.url, n.env.key])).to.deep.equal([
      ["base-sepolia", 84532, "https://b.example", key],
    ]);
    const own = "0x" + "22".repeat(32);
    expect(
      configuredNetworks({ SEPOLIA_RPC_URL: "https://s", SEPOLIA_PRIVATE_KEY: own, REFEREE_PRIVATE_KEY: key })[0].env
        .key,
    ).to.equal(own);
    expect([31337, 11155111, 8453, 777].map(defaultNetworkName)).to.deep.equal([
      "localhost",
      "sepolia",
      "base",
      "chain-777",
    ]);
    expect([isMainnet(1), isMainnet(42161), isMainnet(421614), isMainnet(31337)]).to.deep.equal([
      true,
      true,
      false,
      false,
    ]);
  });
});
