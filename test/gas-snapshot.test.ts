// Gas of one-step proof transactions against the committed snapshot (test/gas-snapshot.json,
// written by `npm run gas -- --update`): fails when any kind's max or median grows by more
// than 2%, so a pull request that makes the verifier dearer shows it; and when any vector's
// transaction costs more than the one-step budget (100k gas, calldata included).
// Run: npx hardhat test test/gas-snapshot.test.ts
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import hre from "hardhat";
import { GAS_TOLERANCE, GasReport, ONE_STEP_GAS_BUDGET, measureGas, regressions, summarize } from "./vectors/gas";
import { STEP_CLASSES, stepVectors } from "./vectors/step-vectors";

const SNAPSHOT = path.join(__dirname, "gas-snapshot.json");

describe("gas snapshot: one-step proof transactions", function () {
  this.timeout(900_000);

  it(`no kind's max or median gas grows by more than ${GAS_TOLERANCE * 100}% over test/gas-snapshot.json, and none is over ${ONE_STEP_GAS_BUDGET}`, async () => {
    const snapshot = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) as GasReport;
    const { vectors } = await stepVectors();
    const rows = await measureGas(hre, vectors);
    const now = summarize(rows);
    for (const c of STEP_CLASSES) {
      const a = now.oneStep[c];
      const b = snapshot.oneStep[c];
      if (a !== undefined)
        console.log(
          `      ${c.padEnd(13)} max ${a.max} (snapshot ${b?.max})  median ${a.median} (snapshot ${b?.median})`,
        );
    }
    expect(Object.keys(now.oneStep).sort()).to.deep.equal(Object.keys(snapshot.oneStep).sort());
    expect(regressions(now, snapshot)).to.deep.equal([]);
    // The budget holds for every vector, not only within the tolerance of the snapshot.
    const over = rows
      .filter((r) => r.gas > ONE_STEP_GAS_BUDGET)
      .map((r) => `${r.vector.model} s=${r.vector.step} ${r.vector.class}: ${r.gas}`);
    expect(over, `one-step proofs over ${ONE_STEP_GAS_BUDGET} gas`).to.deep.equal([]);
  });
});
