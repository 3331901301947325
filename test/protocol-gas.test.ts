// Per-move gas of the protocol, measured: request / claim (commit + reveal) / finalize, and whole disputes for
// k = 2, 8, 16, 40 at N = 10^6 and 10^8 (toy trace: the dissection costs do not depend on
// the trace), plus the one-step proof of the real verifier on hello_deepa. Prints a table
// and one JSON line; checks that the honest challenger wins every dispute, the round counts,
// and that every figure is one a transaction can have (above the 21,000 base, bounded).
import { readFileSync } from "fs";
import { join } from "path";
import { expect } from "chai";
import { TraceCommitter, buildWitness, encodeWitness, initHasher, toHex } from "../node/commit";
import { DisputeGas, FlowGas, measureDispute, measureFlow } from "./helpers/protocol-gas";
import { RealScenario } from "./helpers/protocol-real-trace";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";
import { deployVerifierAddress } from "./helpers/verifier";

const KS = [2, 8, 16, 40];
const NS = [1_000_000, 100_000_000];

/** Rounds of a dissection of N steps at degree k, as DisputeGame plays them. */
function roundsOf(k: number, N: number): number {
  let len = N;
  let rounds = 0;
  while (len > 1) {
    len = Math.ceil(len / Math.min(k, len));
    rounds++;
  }
  return rounds;
}

/** The honest challenger won, in the expected rounds, and every move cost a plausible amount. */
function expectWonByChallenger(d: DisputeGas, k: number): void {
  expect(d.outcome, "who won").to.equal("ChallengerWon");
  expect(d.rounds).to.equal(roundsOf(k, d.N));
  expect(d.choose).to.have.length(d.rounds);
  const moves: [string, number][] = [
    ["challenge", d.challenge],
    ["reveal", d.reveal],
    ["step", d.step],
    ...d.dissect.map((g, i): [string, number] => [`dissect ${i}`, g]),
    ...d.choose.map((g, i): [string, number] => [`choose ${i}`, g]),
  ];
  for (const [what, gas] of moves) expect(gas, what).to.be.greaterThan(21_000).and.lessThan(30_000_000);
}

/** The worst one-step proof over the step vectors (test/gas-snapshot.json). */
function worstSnapshotStep(): number {
  const snapshot = JSON.parse(readFileSync(join(__dirname, "gas-snapshot.json"), "utf8")) as {
    oneStep: Record<string, { max: number }>;
  };
  return Math.max(...Object.values(snapshot.oneStep).map((r) => r.max));
}

describe("protocol gas", function () {
  this.timeout(900_000);
  const disputes: DisputeGas[] = [];
  let flow: FlowGas;
  let real: { flow: FlowGas; dispute: DisputeGas } | null = null;

  before(async () => {
    await initHasher();
  });

  it("request, claim (commit + reveal), finalize (toy model)", async () => {
    flow = await measureFlow();
    expect(flow.commit + flow.claim).to.be.lessThan(400_000);
    for (const [what, gas] of Object.entries(flow))
      expect(gas, what).to.be.greaterThan(21_000).and.lessThan(30_000_000);
  });

  for (const k of KS) {
    for (const N of NS) {
      it(`a whole dispute, k = ${k}, N = ${N.toExponential(0)}`, async () => {
        const d = await measureDispute(k, N);
        expect(d.rounds).to.equal(roundsOf(k, N));
        expectWonByChallenger(d, k);
        disputes.push(d);
      });
    }
  }

  // The real verifier is always there: were it renamed, this case must fail, not vanish.
  it("hello_deepa with the real verifier: request (9,600 input bytes), claim, one-step proof", async () => {
    const model = compiled(HELLO_DEEPA);
    const inputs = seededInputs(
      model.program.inputs.map((i) => i.dims),
      3,
    );
    const inputBytes = 4 * inputs.reduce((n, x) => n + x.length, 0);
    expect(inputBytes).to.equal(9_600);
    const proof = (trace: TraceCommitter, s: number) => toHex(encodeWitness(buildWitness(trace, s)));
    const scenario = new RealScenario("hello_deepa", model, inputs, proof, proof);
    const deployVerifier = deployVerifierAddress;
    real = {
      flow: await measureFlow(scenario, deployVerifier),
      dispute: await measureDispute(16, scenario.steps, { scenario, deployVerifier }),
    };
    const { flow: f, dispute: d } = real;
    expect(d.N).to.equal(scenario.steps);
    // The liar lost to the real one-step proof of the honest run.
    expectWonByChallenger(d, 16);
    // A request pays at least 4 gas per calldata byte for its input; no move nears a block.
    expect(f.request)
      .to.be.greaterThan(21_000 + 4 * inputBytes)
      .and.lessThan(30_000_000);
    for (const [what, gas] of Object.entries(f)) expect(gas, what).to.be.greaterThan(21_000).and.lessThan(30_000_000);
    // The same game's step with the toy verifier (which checks nothing) is the game's own
    // bookkeeping: the real proof costs more, and at most the worst step vector more.
    const toy = await measureDispute(16, d.N);
    expect(d.step)
      .to.be.greaterThan(toy.step)
      .and.lessThan(toy.step + worstSnapshotStep());
  });

  after(() => {
    if (!flow) return;
    const lines = [
      "",
      `      request ${flow.request}, claim: commit ${flow.commit} + reveal ${flow.claim}, finalize ${flow.finalize} (with callback ${flow.finalizeWithCallback}), resolve on timeout ${flow.resolveTimeout}`,
      "      k    N      rounds  challenge  reveal   dissect (first / later)  choose (first / later)  step    claimer total  challenger total",
    ];
    for (const d of disputes) {
      lines.push(
        `      ${String(d.k).padEnd(4)} 1e${Math.log10(d.N)}    ${String(d.rounds).padEnd(7)} ${String(d.challenge).padEnd(10)} ${String(d.reveal).padEnd(8)} ${`${d.dissect[0]} / ${d.dissect.at(-1)}`.padEnd(24)} ${`${d.choose[0]} / ${d.choose.at(-1)}`.padEnd(23)} ${String(d.step).padEnd(7)} ${String(d.claimerGas).padEnd(14)} ${d.challengerGas}`,
      );
    }
    if (real) {
      const d = real.dispute;
      lines.push(
        `      hello_deepa (N = ${d.N}, k = 16, OneStepVerifier): request ${real.flow.request}, claim ${real.flow.commit} + ${real.flow.claim}, finalize ${real.flow.finalize}, ${d.rounds} rounds, one-step proof ${d.step}, claimer ${d.claimerGas}, challenger ${d.challengerGas}`,
      );
    }
    const json = {
      flow,
      dispute: Object.fromEntries(
        KS.map((k) => [
          k,
          Object.fromEntries(
            disputes
              .filter((d) => d.k === k)
              .map((d) => [
                d.N,
                {
                  rounds: d.rounds,
                  claimerGas: d.claimerGas,
                  challengerGas: d.challengerGas,
                  dissect: d.dissect,
                  choose: d.choose,
                  challenge: d.challenge,
                  reveal: d.reveal,
                  step: d.step,
                },
              ]),
          ),
        ]),
      ),
      helloDeepa: real,
    };
    console.log(lines.join("\n"));
    console.log(JSON.stringify(json));
  });
});
