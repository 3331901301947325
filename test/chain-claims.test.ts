// node/chain/claims.ts without a chain: the claim commitment's encoding (checked against an
// independent abi.encode), salts, and the NaN scan operators run before serving a request.
import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import { claimCommitment, firstNaN, randomSalt } from "../node/chain/claims";

describe("chain: claim commitments, salts, NaN scan", () => {
  it("claimCommitment = keccak256(abi.encode(requestId, operator, keccak256(output), salt)), binding every part", () => {
    const op = "0x00000000000000000000000000000000000000a1";
    const salt = "0x" + "5a".repeat(32);
    const output = "0x3f80000040000000";
    const packed =
      "0x" +
      7n.toString(16).padStart(64, "0") +
      op.slice(2).padStart(64, "0") +
      keccak256(output).slice(2) +
      salt.slice(2);
    expect(claimCommitment(7n, op, output, salt)).to.equal(keccak256(packed));
    expect(packed).to.equal(
      AbiCoder.defaultAbiCoder().encode(
        ["uint256", "address", "bytes32", "bytes32"],
        [7n, op, keccak256(output), salt],
      ),
    );
    const base = claimCommitment(7n, op, output, salt);
    for (const other of [
      claimCommitment(8n, op, output, salt),
      claimCommitment(7n, "0x00000000000000000000000000000000000000a2", output, salt),
      claimCommitment(7n, op, "0x3f80000040000001", salt),
      claimCommitment(7n, op, output, "0x" + "5b".repeat(32)),
    ])
      expect(other).to.not.equal(base);
  });

  it("randomSalt gives 32 fresh bytes", () => {
    const salts = new Set(Array.from({ length: 64 }, () => randomSalt()));
    expect(salts.size).to.equal(64);
    for (const s of salts) expect(s).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("firstNaN finds the first NaN of any sign and payload, and nothing else (infinities are values)", () => {
    const values = (...bits: string[]) => "0x" + bits.join("");
    expect(firstNaN("0x")).to.equal(-1);
    expect(firstNaN(values("3f800000", "7f800000", "ff800000", "7f7fffff", "00000000", "80000000"))).to.equal(-1);
    expect(firstNaN(values("3f800000", "7fc00000"))).to.equal(1);
    expect(firstNaN(values("ffc00000"))).to.equal(0);
    expect(firstNaN(values("00000001", "7f800001", "7fc00000"))).to.equal(1);
    expect(firstNaN(values("3f800000", "40000000", "ffffffff"))).to.equal(2);
  });
});
