// Agents serve and challenge only the model id they recompute from their ONNX file. Another
// registration of the same program under a step count N below the real one is a different id
// on which an honest claim is slashable (PROTOCOL.md §5.4): the operator refuses to serve its
// requests and the challenger to challenge its claims, each with a one-line log.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator } from "../node/agents/operator";
import { claimCommitment, randomSalt } from "../node/chain/claims";
import { deployReferee } from "../node/chain/deploy";
import { TxSender } from "../node/chain/sender";
import { RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";

describe("agents refuse model ids they cannot reproduce from the ONNX file", function () {
  this.timeout(120_000);

  it("a request and a claim under a wrong-N id of hello_deepa: not served, not challenged, logged", async () => {
    await initHasher();
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    const [deployer, treasury, requester, rogue, op, watcher] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    // The same program and ONNX file, registered with N − 1 steps: another commitment.
    const wrongN = { ...model.parts, steps: BigInt(model.parts.steps) - 1n };
    const wrongId = await d.registry.computeModelId(wrongN);
    expect(wrongId).to.not.equal(model.modelId);
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    await (await d.registry.register(wrongN, "hello_deepa", "")).wait();
    for (const s of [requester, rogue, op, watcher]) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();

    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    const input = "0x" + "3f000000".repeat(n);
    const fee = await d.coordinator.quoteFee(wrongId, 0);
    const deadline = (await time.latest()) + 3600;
    await (
      await d.coordinator.connect(requester).request(wrongId, input, fee, hre.ethers.ZeroAddress, 0, deadline)
    ).wait();
    const requestId = await d.coordinator.requestCount();

    const lines: string[] = [];
    const log = (l: string) => void lines.push(l);
    const operator = new Operator("op", d, await TxSender.of(op, d.interfaces), model, log);
    await operator.stake(d.options.claimBond);
    const served = await operator.serve(requestId);
    expect(served === null, `claimed it as #${served}`).to.equal(true);
    expect(lines.filter((l) => l.includes("refuses to serve request #" + requestId))).to.have.length(1);
    expect(lines.join("\n")).to.include(wrongId).and.include(model.modelId);
    await operator.tick();
    expect((await d.coordinator.getRequest(requestId)).status, "not claimed").to.equal(RequestStatus.Open);

    // A rogue operator claims the honest run's result under the wrong-N id: the coordinator
    // cannot tell (same weights and program), but the challenger does not take it up.
    await (await d.token.connect(rogue).approve(d.staking, hre.ethers.MaxUint256)).wait();
    await (await d.staking.connect(rogue).stake(d.options.claimBond)).wait();
    const output = model.run(input).output;
    const salt = randomSalt();
    const commitment = claimCommitment(requestId, rogue.address, output, salt);
    await (await d.coordinator.connect(rogue).commitClaim(requestId, commitment)).wait();
    await (await d.coordinator.connect(rogue).claim(requestId, output, salt)).wait();
    const claimId = await d.coordinator.claimCount();
    const challenger = new Challenger("watcher", d, await TxSender.of(watcher, d.interfaces), model, log);
    lines.length = 0;
    await challenger.tick();
    const game = await challenger.check(claimId);
    expect(game === null, `opened game #${game}`).to.equal(true);
    expect(lines.filter((l) => l.includes("refuses to challenge claim #" + claimId))).to.have.length(2);
    expect(await d.game.gameCount(), "no game opened").to.equal(0n);
    await challenger.tick();
    expect(
      lines.filter((l) => l.includes("refuses")),
      "the tick reports an id once",
    ).to.have.length(2);
  });
});
