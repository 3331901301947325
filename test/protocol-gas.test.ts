// Per-move gas of the protocol, measured: request / claim / finalize, and whole disputes for
// k = 2, 8, 16, 40 at N = 10^6 and 10^8 (toy trace: the dissection costs do not depend on
// the trace), plus the one-step proof of the real verifier on hello_deepa. Prints a table
// and one JSON line; checks the round counts and the per-party budget.
import { existsSync } from "fs";
import { join } from "path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { TraceCommitter, buildWitness, encodeWitness, initHasher, toHex } from "../node/commit";
import { DisputeGas, FlowGas, measureDispute, measureFlow } from "./helpers/protocol-gas";
import { RealScenario } from "./helpers/protocol-real-trace";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";

const KS = [2, 8, 16, 40];
const NS = [1_000_000, 100_000_000];

describe("protocol gas", function () {
  this.timeout(900_000);
  const disputes: DisputeGas[] = [];
  let flow: FlowGas;
  let real: { flow: FlowGas; dispute: DisputeGas } | null = null;

  before(async () => {
    await initHasher();
  });

  it("request, claim, finalize (toy model)", async () => {
    flow = await measureFlow();
    expect(flow.claim).to.be.lessThan(400_000);
  });

  for (const k of KS) {
    for (const N of NS) {
      it(`a whole dispute, k = ${k}, N = ${N.toExponential(0)}`, async () => {
        const d = await measureDispute(k, N);
        let len = N;
        let rounds = 0;
        while (len > 1) {
          len = Math.ceil(len / Math.min(k, len));
          rounds++;
        }
        expect(d.rounds).to.equal(rounds);
        disputes.push(d);
      });
    }
  }

  if (existsSync(join(__dirname, "..", "contracts", "OneStepVerifier.sol"))) {
    it("hello_deepa with the real verifier: request (9,600 input bytes), claim, one-step proof", async () => {
      const model = compiled(HELLO_DEEPA);
      const inputs = seededInputs(model.program.inputs.map((i) => i.dims), 3);
      const proof = (trace: TraceCommitter, s: number) => toHex(encodeWitness(buildWitness(trace, s)));
      const scenario = new RealScenario("hello_deepa", model, inputs, proof, proof);
      const deployVerifier = async () => (await ethers.deployContract("OneStepVerifier")).getAddress();
      real = { flow: await measureFlow(scenario, deployVerifier), dispute: await measureDispute(16, scenario.steps, { scenario, deployVerifier }) };
    });
  }

  after(() => {
    if (!flow) return;
    const lines = [
      "",
      `      request ${flow.request}, claim ${flow.claim}, finalize ${flow.finalize} (with callback ${flow.finalizeWithCallback}), resolve on timeout ${flow.resolveTimeout}`,
      "      k    N      rounds  challenge  dissect (first / later)  choose (first / later)  step    claimer total  challenger total",
    ];
    for (const d of disputes) {
      lines.push(
        `      ${String(d.k).padEnd(4)} 1e${Math.log10(d.N)}    ${String(d.rounds).padEnd(7)} ${String(d.challenge).padEnd(10)} ${`${d.dissect[0]} / ${d.dissect.at(-1)}`.padEnd(24)} ${`${d.choose[0]} / ${d.choose.at(-1)}`.padEnd(23)} ${String(d.step).padEnd(7)} ${String(d.claimerGas).padEnd(14)} ${d.challengerGas}`,
      );
    }
    if (real) {
      const d = real.dispute;
      lines.push(
        `      hello_deepa (N = ${d.N}, k = 16, OneStepVerifier): request ${real.flow.request}, claim ${real.flow.claim}, finalize ${real.flow.finalize}, ${d.rounds} rounds, one-step proof ${d.step}, claimer ${d.claimerGas}, challenger ${d.challengerGas}`,
      );
    }
    const json = {
      flow,
      dispute: Object.fromEntries(
        KS.map((k) => [
          k,
          Object.fromEntries(
            disputes.filter((d) => d.k === k).map((d) => [d.N, { rounds: d.rounds, claimerGas: d.claimerGas, challengerGas: d.challengerGas, dissect: d.dissect, choose: d.choose, challenge: d.challenge, step: d.step }]),
          ),
        ]),
      ),
      helloDeepa: real,
    };
    console.log(lines.join("\n"));
    console.log(JSON.stringify(json));
  });
});
