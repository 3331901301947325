// ModelRegistry: commitments recomputed on-chain from their parts (§3.3, §3.5); registration
// is permissionless and ownerless (a repeat is a no-op returning the same id).
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { initHasher } from "../node/commit";
import { HELLO_DEEPA, compiled } from "./helpers/models";
import { modelPartsOf } from "./helpers/protocol-real-trace";
import { ModelPartsStruct, ToyModel, commitmentOf, programRootHex } from "./helpers/toy-trace";

function clone(p: ModelPartsStruct): ModelPartsStruct {
  return JSON.parse(
    JSON.stringify(p, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
    (_, v) => (typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v),
  );
}

describe("ModelRegistry", function () {
  let toy: ToyModel;

  before(async () => {
    await initHasher();
    toy = new ToyModel({ steps: 1000 });
  });

  async function deployed() {
    const [owner, other, third] = await ethers.getSigners();
    const registry = await ethers.deployContract("ModelRegistry");
    return { registry, owner, other, third };
  }

  async function registered() {
    const f = await deployed();
    await f.registry.register(toy.parts, "toy", "ipfs://toy");
    return f;
  }

  describe("register", () => {
    describe("a new model", () => {
      it("stores it under the commitment recomputed on-chain, equal to the node's", async () => {
        const { registry, owner } = await loadFixture(deployed);
        expect(await registry.computeModelId(toy.parts)).to.equal(toy.modelId);
        await expect(registry.register(toy.parts, "toy", "ipfs://toy"))
          .to.emit(registry, "ModelRegistered")
          .withArgs(
            toy.modelId,
            owner.address,
            toy.programRoot,
            toy.parts.weightsRoot,
            toy.parts.steps,
            "toy",
            "ipfs://toy",
          );
        const m = await registry.getModel(toy.modelId);
        expect(m.id).to.equal(toy.modelId);
        expect(m.firstRegistrant).to.equal(owner.address);
        expect(m.steps).to.equal(1000n);
        expect(m.programRoot).to.equal(toy.programRoot);
        expect(m.weightsRoot).to.equal(toy.parts.weightsRoot);
        expect(m.initialActivationsRoot).to.equal(toy.parts.initialActivationsRoot);
        expect(m.onnxFileHash).to.equal(toy.parts.onnxFileHash);
        expect(m.inputLengths).to.deep.equal([3n, 10n]);
        expect(m.outputs.map((o) => [o.space, o.slotIndex, o.valueCount])).to.deep.equal([
          [2n, 2n, 1n],
          [2n, 3n, 2n],
          [1n, 0n, 3n],
        ]);
        expect(await registry.metadata(toy.modelId)).to.deep.equal(["toy", "ipfs://toy"]);
        expect(await registry.isRegistered(toy.modelId)).to.equal(true);
      });

      it("hello_deepa: the on-chain commitment equals `referee model commit`'s", async () => {
        const { registry } = await loadFixture(deployed);
        const { parts, commitment } = modelPartsOf(compiled(HELLO_DEEPA));
        expect(commitmentOf(parts)).to.equal(commitment);
        await expect(registry.register(parts, "hello deepa", "npm:openwakeword-js/models/hello_deepa.onnx")).to.emit(
          registry,
          "ModelRegistered",
        );
        const [steps, inputLengths] = await registry.requestSpec(commitment);
        expect(steps).to.equal(parts.steps);
        expect(inputLengths).to.deep.equal([2400n]);
        const [programRoot, weightsRoot] = await registry.gameSpec(commitment);
        expect(programRoot).to.equal(programRootHex(parts));
        expect(weightsRoot).to.equal(parts.weightsRoot);
      });

      it("any change to a part changes the id", async () => {
        const { registry } = await loadFixture(deployed);
        const variants: ((p: ModelPartsStruct) => void)[] = [
          (p) => (p.steps += 1n),
          (p) => (p.program.activationSlots += 1),
          (p) => (p.outputs[0].name = "Score"),
          (p) => (p.inputs[1].dims = [5, 2]),
          (p) => (p.compilerVersion = 2),
          (p) => (p.onnxFileHash = ethers.ZeroHash),
        ];
        const ids = new Set([toy.modelId]);
        for (const v of variants) {
          const p = clone(toy.parts);
          v(p);
          const id = await registry.computeModelId(p);
          expect(id).to.equal(commitmentOf(p));
          ids.add(id);
        }
        expect(ids.size).to.equal(variants.length + 1);
      });
    });

    describe("a commitment already registered", () => {
      it("is a no-op for anyone: same id, record and label kept, no ModelRegistered", async () => {
        const { registry, owner, other } = await loadFixture(registered);
        const before = await registry.getModel(toy.modelId);
        expect(await registry.connect(other).register.staticCall(toy.parts, "again", "")).to.equal(toy.modelId);
        const tx = registry.connect(other).register(toy.parts, "again", "");
        await expect(tx).to.emit(registry, "ModelAlreadyRegistered").withArgs(toy.modelId, other.address);
        await expect(tx).not.to.emit(registry, "ModelRegistered");
        expect(await registry.getModel(toy.modelId)).to.deep.equal(before);
        expect(before.firstRegistrant).to.equal(owner.address);
        expect(await registry.metadata(toy.modelId)).to.deep.equal(["toy", "ipfs://toy"]);
      });
    });

    describe("reverts", () => {
      it("on a program without instructions or steps", async () => {
        const { registry } = await loadFixture(deployed);
        const p = clone(toy.parts);
        p.program.instructions = 0;
        await expect(registry.register(p, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_EmptyProgram")
          .withArgs(0, 1000);
        const q = clone(toy.parts);
        q.steps = 0n;
        await expect(registry.register(q, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_EmptyProgram")
          .withArgs(3, 0);
      });

      it("when the input specs do not match the input slots one for one", async () => {
        const { registry } = await loadFixture(deployed);
        const p = clone(toy.parts);
        p.program.inputSlots = 3;
        await expect(registry.register(p, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_InputCountMismatch")
          .withArgs(2, 3);
        const q = clone(toy.parts);
        q.inputs = [q.inputs[1], q.inputs[0]];
        await expect(registry.register(q, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadInputSpec")
          .withArgs(0, 1, 1);
        const r = clone(toy.parts);
        r.inputs[1].space = 2;
        await expect(registry.register(r, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadInputSpec")
          .withArgs(1, 2, 1);
      });

      it("without outputs, or with an output in a slot the program does not have", async () => {
        const { registry } = await loadFixture(deployed);
        const p = clone(toy.parts);
        p.outputs = [];
        await expect(registry.register(p, "", "")).to.be.revertedWithCustomError(registry, "ModelRegistry_NoOutputs");
        const q = clone(toy.parts);
        q.outputs[1].slotIndex = 4;
        await expect(registry.register(q, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadOutputSpec")
          .withArgs(1, 2, 4);
        const r = clone(toy.parts);
        r.outputs[0].space = 3;
        await expect(registry.register(r, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadOutputSpec")
          .withArgs(0, 3, 2);
        const s = clone(toy.parts);
        s.outputs[2] = { ...s.outputs[2], space: 0, slotIndex: 2 };
        await expect(registry.register(s, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadOutputSpec")
          .withArgs(2, 0, 2);
      });

      it("on a zero dim or a tensor of 2^32 values or more", async () => {
        const { registry } = await loadFixture(deployed);
        const p = clone(toy.parts);
        p.inputs[0].dims = [1, 0];
        await expect(registry.register(p, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadDims")
          .withArgs(true, 0);
        const q = clone(toy.parts);
        q.outputs[1].dims = [65536, 65536];
        await expect(registry.register(q, "", ""))
          .to.be.revertedWithCustomError(registry, "ModelRegistry_BadDims")
          .withArgs(false, 1);
      });

      it("on a spec with more dims than its u8 count holds", async () => {
        const { registry } = await loadFixture(deployed);
        const p = clone(toy.parts);
        p.outputs[1].dims = [2, ...Array(255).fill(1)];
        await expect(registry.register(p, "", ""))
          .to.be.revertedWithCustomError(registry, "LibCommitment_SpecTooLarge")
          .withArgs(1);
      });
    });
  });

  describe("no owner powers", () => {
    it("the first registrant can change, deprecate or hand over nothing", async () => {
      const { registry } = await loadFixture(registered);
      for (const fn of ["setMetadata", "deprecate", "transferModelOwnership", "owner"]) {
        expect(ethers.Interface.from(registry.interface.fragments).getFunction(fn), fn).to.equal(null);
      }
    });
  });

  describe("views", () => {
    it("revert for an unknown model", async () => {
      const { registry } = await loadFixture(registered);
      const id = ethers.id("nope");
      for (const call of [
        () => registry.getModel(id),
        () => registry.metadata(id),
        () => registry.requestSpec(id),
        () => registry.claimSpec(id),
        () => registry.gameSpec(id),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(registry, "ModelRegistry_UnknownModel").withArgs(id);
      }
      expect(await registry.isRegistered(id)).to.equal(false);
    });

    it("claimSpec gives the weights root, header and output slots", async () => {
      const { registry } = await loadFixture(registered);
      const [weightsRoot, program, outputs] = await registry.claimSpec(toy.modelId);
      expect(weightsRoot).to.equal(toy.parts.weightsRoot);
      expect(program.instructions).to.equal(3n);
      expect(program.activationSlots).to.equal(4n);
      expect(outputs.length).to.equal(3);
    });
  });
});
