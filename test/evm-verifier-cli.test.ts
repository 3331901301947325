// `referee prove-step` end to end: the proof the CLI prints is what a challenger submits,
// so the EVM verifier must return the post-state hash the CLI prints, for every kind of
// step (reduction, write, halted), and the text output carries the same proof.
// Run: npx hardhat test test/evm-verifier-cli.test.ts
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { referee } from "./helpers/cli";
import { HELLO_DEEPA } from "./helpers/models";
import { deployVerifier } from "./helpers/verifier";

async function deploy() {
  return { verifier: await deployVerifier() };
}

describe("referee prove-step", function () {
  this.timeout(300_000);

  it("prints a proof the EVM verifier takes to the printed post-state (Dot MAC, Dot write, Map, Reduce, last step, halted)", async () => {
    const { verifier } = await loadFixture(deploy);
    const first = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3", "--step", "0", "--json");
    expect(first.code, first.stderr).to.equal(0);
    const n = JSON.parse(first.stdout.trim().split("\n").pop()!).steps as number;
    const K = 2400; // hello_deepa's first instruction: a Dot with K = 2400, so step K is its first write
    for (const s of [0, 7, K, 76_870, 76_863, n - 1, n]) {
      const r = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3", "--step", String(s), "--json");
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      expect(out.step).to.equal(s);
      const post = await verifier.step(out.programRoot, out.preState.hash, out.proof);
      expect(post, `s=${s}`).to.equal(out.postState.hash);
      expect(out.proofBytes).to.equal((out.proof.length - 2) / 2);
      if (s === n) expect(out.instruction).to.equal(null);
      else expect(out.instruction.index).to.equal(out.preState.pc.instr);
    }
    const text = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3", "--step", "7");
    const json = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3", "--step", "7", "--json");
    const proof = JSON.parse(json.stdout.trim().split("\n").pop()!).proof as string;
    expect(text.stdout).to.include(proof);
    expect(text.stdout).to.match(/pre-state\s+0x[0-9a-f]{64}/);
    expect(text.stdout).to.match(/post-state\s+0x[0-9a-f]{64}/);
  });

  it("refuses a missing or out-of-range --step", async () => {
    const r = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--step/);
    const r2 = await referee("prove-step", HELLO_DEEPA, "--random-seed", "3", "--step", "999999999");
    expect(r2.code).to.equal(2);
    expect(r2.stderr).to.match(/beyond the last step/);
  });
});
