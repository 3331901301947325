// RPC calls of an agent's idle pass do not grow with the requests and claims it has seen: the
// chain's head is read once per pass, a claimed request is read again only when a
// RequestReopened log names it, and a pending claim only once its window has closed (or while a
// game disputes it). The load test's "RPC calls per request" was dominated by these polls.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { WITHDRAW_CHECK_PASSES } from "../node/agents/agent";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator } from "../node/agents/operator";
import { deployReferee } from "../node/chain/deploy";
import { TxSender } from "../node/chain/sender";
import { RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";

describe("agents: RPC calls of an idle pass", function () {
  this.timeout(300_000);

  it("an operator's and a challenger's idle pass cost a handful of calls, however many claims are in flight", async () => {
    await initHasher();
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    const [deployer, treasury, requester, a, b, c] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of [requester, a, b, c]) await (await d.token.mint(s.address, 100_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    const requests = 20;
    for (let i = 0; i < requests; i++) {
      const value = (0x3e000000 + i * 4096).toString(16).padStart(8, "0");
      const fee = await d.coordinator.quoteFee(model.modelId, 0);
      const deadline = (await time.latest()) + 3600;
      await (
        await d.coordinator
          .connect(requester)
          .request(model.modelId, "0x" + value.repeat(n), fee, hre.ethers.ZeroAddress, 0, deadline)
      ).wait();
    }
    const quiet = () => undefined;
    // As the CLI runs them: withdrawing what is owed as it is credited.
    const auto = { autoWithdraw: true };
    const owner = new Operator("A", d, await TxSender.of(a, d.interfaces), model, quiet, auto);
    await owner.stake(d.options.claimBond * BigInt(requests));
    await owner.tick(); // claims all of them
    const other = new Operator("B", d, await TxSender.of(b, d.interfaces), model, quiet, auto);
    const watcher = new Challenger("C", d, await TxSender.of(c, d.interfaces), model, quiet, auto);
    // First passes see every request and claim once.
    for (const agent of [owner, other, watcher]) await agent.tick();

    const provider = hre.network.provider as unknown as { send(method: string, params?: unknown[]): Promise<unknown> };
    const send = provider.send.bind(provider);
    const calls: string[] = [];
    provider.send = (method, params) => {
      calls.push(method);
      return send(method, params);
    };
    const callsOf = async (agent: Operator | Challenger): Promise<string[]> => {
      calls.length = 0;
      await agent.tick();
      return [...calls];
    };
    try {
      // Head once; logs: Requested, RequestReopened, GameCreated, Claimed (operator) or
      // Claimed, GameCreated (challenger); what is owed is read only once something of ours
      // settled. Before (bc6e340): 49 calls for the owner, 29 for the other (one read per
      // claimed request and per pending claim, one of what is owed), 5 for the challenger.
      const idle = { owner: await callsOf(owner), other: await callsOf(other), watcher: await callsOf(watcher) };
      expect(idle.owner, `${requests} own claims in their window`).to.have.length(5);
      expect(idle.other, `${requests} requests claimed by another`).to.have.length(5);
      expect(idle.watcher).to.have.length(3);
      expect(idle.owner.filter((m) => m === "eth_call")).to.deep.equal([]);
    } finally {
      provider.send = send;
    }
    // Without a hint, what is owed is still read every WITHDRAW_CHECK_PASSES passes.
    calls.length = 0;
    provider.send = (method, params) => {
      calls.push(method);
      return send(method, params);
    };
    for (let i = 0; i < WITHDRAW_CHECK_PASSES; i++) await watcher.tick();
    provider.send = send;
    expect(
      calls.filter((m) => m === "eth_call"),
      "one read of what is owed",
    ).to.have.length(1);
    // Once the window has closed the owner reads its claims, finalizes every one and withdraws
    // the fees in the same pass.
    await time.increase(d.options.challengeWindow + 1);
    const balance = await d.token.balanceOf(a.address);
    await owner.tick();
    expect(await d.coordinator.payoutOf(a.address)).to.equal(0n);
    expect(await d.token.balanceOf(a.address)).to.be.greaterThan(balance);
    for (let id = 1n; id <= BigInt(requests); id++)
      expect((await d.coordinator.getRequest(id)).status, `request #${id}`).to.equal(RequestStatus.Finalized);
  });
});
