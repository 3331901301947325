// A runtime index out of range (issue 12): the step result is defined (no row: zeros, and
// test/evm-verifier-models.test.ts proves such steps on the EVM), but `referee run` and
// `compare` refuse the run with one line naming the Gather, the element and the range.
// Run: npx hardhat test test/cli-index-checks.test.ts
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readFileSync } from "fs";
import { compileModel } from "../node/compiler/compile";
import { execute } from "../node/vm/execute";
import { firstBadIndex } from "../node/vm/index-checks";
import { referee } from "./helpers/cli";

const EMBEDDING = path.join(__dirname, "fixtures", "embedding_mlp.onnx"); // vocabulary 50, 8 tokens

describe("runtime index checks: out-of-range token ids are named, in-range ones pass", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-index-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tokens = (values: number[]) => {
    const file = path.join(dir, `t${values.join("_")}.json`);
    fs.writeFileSync(file, JSON.stringify(values));
    return file;
  };

  it("the compiler records one check per runtime Gather; valid ids (negative ones wrap) pass", () => {
    const compiled = compileModel(readFileSync(EMBEDDING));
    expect(compiled.indexChecks).to.have.length(1);
    expect(compiled.indexChecks[0].size).to.equal(50);
    const ok = execute(compiled.program, [Float32Array.from([0, 7, 49, -1, -50, 3, 3, 3])]);
    expect(firstBadIndex(compiled.indexChecks, ok)).to.equal(null);
    const bad = execute(compiled.program, [Float32Array.from([0, 7, 49, -1, -51, 3, 3, 3])]);
    expect(firstBadIndex(compiled.indexChecks, bad)).to.deep.include({ element: 4, value: -51, size: 50 });
  });

  it("referee run and compare: in range exit 0; 50 and 1000 refused with one line", async () => {
    const good = await referee("run", EMBEDDING, "--input", tokens([0, 7, 49, -1, -50, 3, 3, 3]), "--json");
    expect(good.code, good.stderr).to.equal(0);
    for (const cmd of ["run", "compare"]) {
      const r = await referee(cmd, EMBEDDING, "--input", tokens([0, 7, 49, 3, 3, 50, 1000, 3]));
      expect(r.code, r.stdout).to.equal(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(
        /^referee: error: Gather '.+': index 50 \(element 5 of its indices\) is outside \[-50, 50\) or not an integer/,
      );
    }
  });
});
