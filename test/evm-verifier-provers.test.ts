// The split one-step verifier (docs/PROTOCOL.md §6.2): each per-kind prover checks a whole
// proof of its kind; OneStepVerifier names them (kindVerifiers) and routes a proof to the one
// its kind byte names.
// 1. Wiring: one prover per kind, fixed at construction; a prover of another kind is refused;
//    no function of the entry or the provers changes state (no admin, no setter).
// 2. Each prover gives the entry's post-state for a step of its kind, and refuses a step of
//    any other kind.
// Run: npx hardhat test test/evm-verifier-provers.test.ts
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import type { Interface } from "ethers";
import { ethers } from "hardhat";
import { fromHex } from "../node/commit";
import { Kind } from "../node/program/isa";
import { IOneStepProver__factory, OneStepVerifier__factory } from "../typechain-types";
import { StepVector, stepVectors } from "./vectors/step-vectors";
import { deployVerifier } from "./helpers/verifier";

const PROVERS = [
  { kind: Kind.Dot, name: "ProverDot", getter: "PROVER_DOT" },
  { kind: Kind.Map, name: "ProverMap", getter: "PROVER_MAP" },
  { kind: Kind.Reduce, name: "ProverReduce", getter: "PROVER_REDUCE" },
  { kind: Kind.Move, name: "ProverMove", getter: "PROVER_MOVE" },
] as const;

/** pre (112) ‖ header (48) ‖ u32 length ‖ instruction bytes: where the instruction starts. */
const INSTRUCTION_LENGTH_AT = 160;

/** The instruction's kind byte. */
function kindOf(proof: Uint8Array): number {
  return proof[INSTRUCTION_LENGTH_AT + 4];
}

function stateChanging(iface: Interface): string[] {
  const out: string[] = [];
  iface.forEachFunction((f) => {
    if (f.stateMutability !== "view" && f.stateMutability !== "pure") out.push(f.name);
  });
  return out;
}

describe("OneStepVerifier and its per-kind provers", function () {
  let vectors: StepVector[];

  before(async () => {
    ({ vectors } = await stepVectors());
  });

  async function deploy() {
    const verifier = await deployVerifier();
    const [signer] = await ethers.getSigners();
    const provers = await Promise.all(
      PROVERS.map(async (p) => IOneStepProver__factory.connect(await verifier.getFunction(p.getter)(), signer)),
    );
    return { verifier, provers };
  }

  /** One running-step vector of each kind. */
  function oneOfEachKind(): Map<number, StepVector> {
    const out = new Map<number, StepVector>();
    for (const v of vectors) {
      if (v.class === "halted") continue;
      const kind = kindOf(fromHex(v.proof));
      if (!out.has(kind)) out.set(kind, v);
    }
    return out;
  }

  describe("wiring", () => {
    it("wires one prover per kind, each reporting its kind, and names them in Kind order", async () => {
      const { verifier, provers } = await loadFixture(deploy);
      for (let i = 0; i < PROVERS.length; i++) expect(await provers[i].kind()).to.equal(PROVERS[i].kind);
      const addresses = await Promise.all(provers.map((p) => p.getAddress()));
      expect(new Set(addresses).size).to.equal(PROVERS.length);
      expect(await verifier.kindVerifiers()).to.deep.equal(addresses);
    });

    it("the constructor refuses a prover of another kind in any place", async () => {
      const { provers } = await loadFixture(deploy);
      const [signer] = await ethers.getSigners();
      const factory = new OneStepVerifier__factory(signer);
      const a = await Promise.all(provers.map((p) => p.getAddress()));
      // Map's prover in Dot's place.
      await expect(factory.deploy(a[1], a[1], a[2], a[3]))
        .to.be.revertedWithCustomError(factory, "OneStepVerifier_WrongProver")
        .withArgs(Kind.Dot, a[1], Kind.Map);
      // Reduce and Move swapped.
      await expect(factory.deploy(a[0], a[1], a[3], a[2]))
        .to.be.revertedWithCustomError(factory, "OneStepVerifier_WrongProver")
        .withArgs(Kind.Reduce, a[3], Kind.Move);
      // An account with no code is no prover.
      await expect(factory.deploy(a[0], a[1], a[2], signer.address)).to.be.reverted;
    });

    it("is immutable: no function of the entry or of a prover changes state", async () => {
      const { verifier } = await loadFixture(deploy);
      expect(stateChanging(verifier.interface)).to.deep.equal([]);
      for (const p of PROVERS) {
        const f = await ethers.getContractFactory(p.name);
        expect(stateChanging(f.interface), p.name).to.deep.equal([]);
      }
      // The provers live in the entry's code (immutables), not in storage anyone could write.
      const address = await verifier.getAddress();
      for (let slot = 0; slot < 4; slot++)
        expect(await ethers.provider.getStorage(address, slot)).to.equal(ethers.ZeroHash);
    });
  });

  describe("dispatch", () => {
    it("each prover gives the entry's post-state for a step of its kind", async () => {
      const { verifier, provers } = await loadFixture(deploy);
      const byKind = oneOfEachKind();
      expect([...byKind.keys()].sort()).to.deep.equal(PROVERS.map((p) => p.kind));
      for (let i = 0; i < PROVERS.length; i++) {
        const v = byKind.get(PROVERS[i].kind)!;
        const proof = fromHex(v.proof);
        expect(await verifier.step(v.programRoot, v.preHash, proof)).to.equal(v.postHash);
        expect(await provers[i].step(v.programRoot, v.preHash, proof), PROVERS[i].name).to.equal(v.postHash);
      }
    });

    it("every prover proves a halted state's step, a fixed point", async () => {
      const { provers } = await loadFixture(deploy);
      const halted = vectors.filter((v) => v.class === "halted");
      expect(halted.length).to.be.greaterThan(0);
      for (const v of halted)
        for (const p of provers) expect(await p.step(v.programRoot, v.preHash, fromHex(v.proof))).to.equal(v.preHash);
    });

    it("each prover refuses a step of every other kind", async () => {
      const { provers } = await loadFixture(deploy);
      const byKind = oneOfEachKind();
      for (let i = 0; i < PROVERS.length; i++) {
        for (const [kind, v] of byKind) {
          if (kind === PROVERS[i].kind) continue;
          const proof = fromHex(v.proof);
          await expect(provers[i].step(v.programRoot, v.preHash, proof), `${PROVERS[i].name} on kind ${kind}`)
            .to.be.revertedWithCustomError(provers[i], "OneStepProver_WrongKind")
            .withArgs(PROVERS[i].kind, kind);
        }
      }
    });
  });
});
