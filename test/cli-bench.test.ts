// referee bench: one model timed against onnxruntime-node, every figure present and sane.
import { expect } from "chai";
import { lastJson, referee } from "./helpers/cli";
import { HELLO_DEEPA } from "./helpers/models";

describe("referee bench", function () {
  this.timeout(120_000);

  it("times execution, the trace, commitments and a state query against onnxruntime, with peak memory", async () => {
    const r = await referee("bench", HELLO_DEEPA, "--reps", "3", "--threads", "2", "--json");
    expect(r.code, r.stderr).to.equal(0);
    const j = lastJson(r);
    expect(j.steps).to.be.a("number").greaterThan(0);
    for (const k of ["ortMs", "ortThreadsMs", "executeMs", "traceMs", "commitMs", "firstCommitMs", "stateAtMs"]) {
      expect(j[k], k).to.be.a("number").greaterThan(0);
    }
    expect(j.ratio).to.be.closeTo((j.executeMs as number) / (j.ortMs as number), 1e-9);
    expect(j.threads).to.equal(2);
    expect(j.maxAbsError).to.be.a("number").lessThan(1e-4);
    expect(j.peakRssBytes).to.be.greaterThan((j.weightBytes as number) + (j.activationBytes as number));
  });

  it("refuses a bad thread count with one line", async () => {
    const r = await referee("bench", HELLO_DEEPA, "--threads", "0");
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/--threads must be at least 1/);
  });
});
