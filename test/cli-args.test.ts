import { expect } from "chai";
import { commandHelp, CommandSpec, parseArgs, parseShapes } from "../node/cli/args";
import { RefereeError } from "../node/errors";
import { allClose, argmax, errorStats, mergeStats } from "../node/reference/metrics";
import { num } from "../node/cli/format";

const SPEC: CommandSpec = {
  path: ["demo", "cmd"],
  summary: "A demo.",
  positionals: [{ name: "model.onnx", help: "model" }],
  options: [
    { name: "json", kind: "flag", help: "json" },
    { name: "seed", kind: "value", metavar: "n", help: "seed" },
    { name: "shape", kind: "list", metavar: "name=DIMS", help: "shape" },
  ],
};

function usage(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(RefereeError);
    expect((e as RefereeError).code).to.equal("USAGE");
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail("expected a usage error");
}

describe("cli: argument parsing", () => {
  it("parses positionals, flags, values (both spellings) and lists", () => {
    const a = parseArgs(SPEC, ["m.onnx", "--json", "--seed", "4", "--shape=x=1x2", "--shape", "y=3"]);
    expect(a.positionals).to.deep.equal(["m.onnx"]);
    expect(a.has("json")).to.equal(true);
    expect(a.int("seed")).to.equal(4);
    expect(a.all("shape")).to.deep.equal(["x=1x2", "y=3"]);
    expect(a.get("missing")).to.equal(undefined);
  });

  it("rejects unknown options, missing values, missing and extra positionals", () => {
    usage(() => parseArgs(SPEC, ["m.onnx", "--nope"]), /unknown option '--nope' for 'demo cmd'/);
    usage(() => parseArgs(SPEC, ["m.onnx", "-x"]), /unknown option '-x'/);
    usage(() => parseArgs(SPEC, ["m.onnx", "--seed"]), /--seed needs a value/);
    usage(() => parseArgs(SPEC, []), /'demo cmd' needs <model.onnx>/);
    usage(() => parseArgs(SPEC, ["a", "b"]), /unexpected argument 'b'/);
    usage(() => parseArgs(SPEC, ["a", "--json=1"]), /takes no value/);
    usage(() => parseArgs(SPEC, ["a", "--seed", "x"]).int("seed"), /non-negative integer/);
    usage(
      () => parseArgs(SPEC, ["a", "--seed", "9007199254740993"]).int("seed"),
      /--seed '9007199254740993' is too large/,
    );
  });

  it("parses --shape values", () => {
    expect(parseShapes(["x=1x3x48x192", "7"])).to.deep.equal({ x: [1, 3, 48, 192], "": [7] });
    expect(parseShapes(["a=b=2x2"])).to.deep.equal({ "a=b": [2, 2] });
    usage(() => parseShapes(["x=1,3"]), /expected name=DIMS/);
    usage(() => parseShapes(["x=1", "x=2"]), /given twice/);
  });

  it("help lists every option", () => {
    const h = commandHelp(SPEC);
    expect(h).to.match(/^usage: referee demo cmd <model.onnx> \[options\]/);
    for (const o of ["--json", "--seed <n>", "--shape <name=DIMS> ..."]) expect(h).to.contain(o);
  });

  it("formats numbers compactly", () => {
    expect(num(0.43925843)).to.equal("0.4392584");
    expect(num(1)).to.equal("1");
    expect(num(-0)).to.equal("-0");
    expect(num(1e-9)).to.equal("1e-9");
    expect(num(1.5e-9)).to.equal("1.5e-9");
  });
});

describe("reference: fidelity metrics", () => {
  it("computes abs, rel (with the floor) and mean errors", () => {
    const s = errorStats([1, 2, 0.5e-6], [1, 2.5, 0], [3]);
    expect(s.maxAbsError).to.equal(0.5);
    expect(s.maxRelError).to.be.closeTo(0.5, 1e-12); // 0.5e-6 / max(0, 1e-6) and 0.5 / 2.5 = 0.2
    expect(s.meanAbsError).to.be.closeTo((0.5 + 0.5e-6) / 3, 1e-12);
  });

  it("counts argmax agreement per row over the last axis", () => {
    const s = errorStats([0, 1, 5, 2, 3, 3], [0, 2, 1, 1, 0, 4], [3, 2]);
    expect(s.rows).to.equal(3);
    // argmax per row: ours 1, 0, 0 (first of a tie); reference 1, 0, 1.
    expect(s.argmaxAgree).to.equal(2);
  });

  it("argmax takes the first maximum and ranks NaN highest", () => {
    expect(argmax([1, 3, 3])).to.equal(1);
    expect(argmax([1, NaN, 3])).to.equal(1);
    expect(argmax([5, 1, 2], 1, 2)).to.equal(1);
  });

  it("counts NaN / infinity mismatches apart from the errors", () => {
    const s = errorStats([NaN, Infinity, 1], [NaN, -Infinity, NaN], [3]);
    expect(s.mismatchedSpecials).to.equal(2);
    expect(s.maxAbsError).to.equal(0);
  });

  it("merges runs", () => {
    const a = errorStats([1, 2], [1, 2.5], [2]);
    const b = errorStats([1, 2], [2, 2], [2]);
    const m = mergeStats(a, b);
    expect(m.maxAbsError).to.equal(1);
    expect(m.rows).to.equal(2);
    expect(m.meanAbsError).to.be.closeTo(0.375, 1e-12);
  });

  it("allClose follows numpy's rule and requires NaN at the same positions", () => {
    expect(allClose([1, 100.05], [1, 100], 1e-3, 1e-5).ok).to.equal(true);
    const bad = allClose([1, 100.2], [1, 100], 1e-3, 1e-5);
    expect(bad.ok).to.equal(false);
    expect(bad.worst?.index).to.equal(1);
    expect(allClose([NaN], [NaN], 0, 0).ok).to.equal(true);
    expect(allClose([NaN], [1], 1, 1).reason).to.match(/NaN positions differ/);
    expect(allClose([Infinity], [Infinity], 0, 0).ok).to.equal(true);
    expect(allClose([Infinity], [-Infinity], 1, 1).ok).to.equal(false);
  });
});
