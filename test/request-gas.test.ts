// The gas of one `Coordinator.request` by input size, on Hardhat's chain: README "Costs and
// sizing". A request stores a fixed-size record and emits its input bytes, so its gas is a
// fixed part plus a per-byte part (calldata, the keccak of the input, the event's data); from
// Prague (EIP-7623) a large input is priced by the calldata floor instead.
// Run: npx hardhat test test/request-gas.test.ts
// (with UPDATE_DOCS=1 it records the table in docs/data/request-gas.json and README.md's
// generated block "request-gas").
import * as path from "path";
import { existsSync } from "fs";
import { expect } from "chai";
import hre from "hardhat";
import { ZeroAddress, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { deployReferee } from "../node/chain/deploy";
import { f32Bytes, type ModelPartsStruct } from "../node/chain/encoding";
import { mulberry32 } from "../node/fo32/mulberry32";
import { Space } from "../node/program/isa";
import {
  type RequestGasData,
  type RequestGasRow,
  loadRequestGas,
  REQUEST_GAS_DATA,
  writeRequestGas,
} from "../scripts/lib/docs/request-gas";

const ROOT = path.join(__dirname, "..");
// 1 value up to the OCR classifier's 110,592 bytes (hello_deepa's input is 9,600 bytes); a
// transaction above 128 KiB is refused by geth's pool, so requests stay below it.
const SIZES = [4, 256, 1_024, 4_096, 9_600, 16_384, 32_768, 65_536, 110_592];
// The committed table may drift this much before the test asks for a new measurement.
const TOLERANCE = 0.02;

/**
 * A registrable model of `values` float32 inputs. The request path reads only a model's input
 * lengths and step count (for the fee), so the program is a placeholder root: this model is
 * never claimed or disputed.
 */
function modelOfInputs(values: number): ModelPartsStruct {
  return {
    program: {
      instructionTreeRoot: keccak256(toUtf8Bytes("request-gas")),
      instructions: 1,
      weightSlots: 0,
      inputSlots: 1,
      activationSlots: 1,
    },
    weightsRoot: keccak256(toUtf8Bytes("weights")),
    initialActivationsRoot: keccak256(toUtf8Bytes("activations")),
    steps: 100_000n,
    inputs: [{ space: Space.Input, slotIndex: 0, dims: [values], name: "x" }],
    outputs: [{ space: Space.Activation, slotIndex: 0, dims: [1], name: "y" }],
    onnxFileHash: keccak256(toUtf8Bytes(`request-gas ${values}`)),
    compilerVersion: 1,
  };
}

/** Calldata's standard price and the EIP-7623 floor of a transaction with `data`. */
function calldataPrices(data: string): { standard: number; floor: number } {
  const bytes = getBytes(data);
  const zeros = bytes.filter((b) => b === 0).length;
  const tokens = zeros + 4 * (bytes.length - zeros);
  return { standard: 4 * tokens, floor: 21_000 + 10 * tokens };
}

describe("request gas by input size (README: Costs and sizing)", function () {
  this.timeout(300_000);
  let snapshot: SnapshotRestorer;
  before(async () => {
    snapshot = await takeSnapshot();
  });
  after(async () => {
    await snapshot.restore();
  });

  it("grows linearly with the input bytes; the committed table is this measurement", async () => {
    const [deployer, requester] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, deployer.address);
    await (await d.token.mint(requester.address, 10n ** 24n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, 2n ** 255n)).wait();
    const rand = mulberry32(14);
    const deadline = async () => BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp + 3600);
    const request = async (values: number) => {
      const parts = modelOfInputs(values);
      const modelId = await d.registry.register.staticCall(parts, `inputs ${values}`, "");
      await (await d.registry.register(parts, `inputs ${values}`, "")).wait();
      const fee = await d.coordinator.quoteFee(modelId, 0);
      // Random values in [-1, 1): their big-endian binary32 bytes are almost never zero.
      const input = f32Bytes([Float32Array.from({ length: values }, () => 2 * rand() - 1)]);
      const tx = await d.coordinator.connect(requester).request(modelId, input, fee, ZeroAddress, 0, await deadline());
      return { receipt: (await tx.wait())!, data: tx.data };
    };
    await request(1); // The first request writes the counters from zero: not what the others pay.
    const rows: RequestGasRow[] = [];
    for (const bytes of SIZES) {
      const { receipt, data } = await request(bytes / 4);
      const { standard, floor } = calldataPrices(data);
      const gas = Number(receipt.gasUsed);
      rows.push({ bytes, gas, calldataGas: standard, floorGas: floor, floorPriced: gas === floor });
    }
    for (const r of rows) console.log(`      ${r.bytes} bytes: ${r.gas} gas${r.floorPriced ? " (floor)" : ""}`);

    // Every byte costs at least its calldata (16 standard, 40 at the floor) and, once past
    // the fixed part, at most calldata + event data + hashing + copies (< 60).
    for (let i = 1; i < rows.length; i++) {
      const perByte = (rows[i].gas - rows[i - 1].gas) / (rows[i].bytes - rows[i - 1].bytes);
      expect(perByte, `${rows[i].bytes} bytes`).to.be.within(16, 60);
    }
    expect(rows[rows.length - 1].floorPriced, "the largest input is priced by the EIP-7623 floor").to.equal(true);
    expect(rows[0].floorPriced, "a small input pays for execution").to.equal(false);

    const data: RequestGasData = {
      hardfork: hre.config.networks.hardhat.hardfork,
      note: "one request per row (no callback, fee at the quote), after a first request; the model is a registered one of n/4 float32 inputs, random values in [-1, 1).",
      rows,
    };
    if (process.env.UPDATE_DOCS === "1") {
      console.log(`      ${writeRequestGas(ROOT, data)}`);
      return;
    }
    expect(existsSync(path.join(ROOT, REQUEST_GAS_DATA)), `${REQUEST_GAS_DATA} is committed`).to.equal(true);
    const committed = loadRequestGas(ROOT);
    expect(committed.rows.map((r) => r.bytes)).to.deep.equal(SIZES);
    for (const [i, r] of committed.rows.entries()) {
      expect(
        Math.abs(rows[i].gas - r.gas) / r.gas,
        `${r.bytes} bytes: measured ${rows[i].gas}, README says ${r.gas} (UPDATE_DOCS=1 npx hardhat test test/request-gas.test.ts)`,
      ).to.be.at.most(TOLERANCE);
    }
  });
});
