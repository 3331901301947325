// Kernel plans as data: the affine plan both engines share (node/vm/plan/affine.ts), the
// f32x4 plan of the wasm engine (plan/vector.ts) and the JS engine's interleaving
// (plan/lanes.ts), asserted value by value for representative instructions. A change of
// analysis or blocking shows here as a changed plan before it shows as a speed or a bit.
import { expect } from "chai";
import { Instruction, Kind, MapOp, ReduceOp, Space } from "../node/program/isa";
import { InstructionPlan, planInstruction } from "../node/vm/plan/affine";
import { interleavePlan } from "../node/vm/plan/lanes";
import { vectorPlan } from "../node/vm/plan/vector";
import { buildKernel } from "../node/vm/wasm/kernels";
import { Act, In, W, opnd } from "./helpers/programs";

const o = (extent: number) => ({ extent, reduction: false });
const r = (extent: number) => ({ extent, reduction: true });

/** Plans are plain data: they survive a JSON round trip unchanged. */
function plain<T>(x: T): T {
  const y = JSON.parse(JSON.stringify(x)) as T;
  expect(y).to.deep.equal(x);
  return x;
}

function clone(p: InstructionPlan): InstructionPlan {
  return JSON.parse(JSON.stringify(p)) as InstructionPlan;
}

describe("vm: kernel plans", () => {
  it("contiguous Dot (matmul + bias): forms, f32x4 lanes along columns, a 2-row block", () => {
    // out[i, j] = Σ_k A[i, k] · B[k, j] + bias[j]; levels i, j | k
    const ins: Instruction = {
      kind: Kind.Dot,
      op: MapOp.None,
      params: [],
      iterDims: [4, 8],
      redDims: [16],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [4, 16],
          [
            [0, 1, 0, 0],
            [0, 0, 0, 1],
          ],
        ),
        opnd(
          W(0),
          [16, 8],
          [
            [0, 0, 0, 1],
            [0, 0, 1, 0],
          ],
        ),
        opnd(W(1), [8], [[0, 0, 1, 0]]),
      ],
    };
    const ap = plain(planInstruction(ins));
    expect(ap).to.deep.equal({
      kind: Kind.Dot,
      levels: [o(4), o(8), r(16)],
      outputLevels: 2,
      out: { offset: 0, coefs: [8, 1, 0] },
      operands: [
        {
          index: 0,
          role: "reduce",
          addr: { offset: 0, coefs: [16, 0, 1] },
          checks: [],
          neverValid: false,
          fitsI32: true,
        },
        {
          index: 1,
          role: "reduce",
          addr: { offset: 0, coefs: [0, 1, 8] },
          checks: [],
          neverValid: false,
          fitsI32: true,
        },
        {
          index: 2,
          role: "element",
          addr: { offset: 0, coefs: [0, 1, 0] },
          checks: [],
          neverValid: false,
          fitsI32: true,
        },
      ],
      reductionSteps: 16,
      emptyReduction: false,
    });
    const before = clone(ap);
    const vp = plain(vectorPlan(ap));
    expect(ap, "vectorPlan leaves the affine plan alone").to.deep.equal(before);
    expect(vp.levels).to.deep.equal([o(4), o(8), r(16)]); // A's k stride keeps i, j apart
    expect(vp.reads.map((x) => x.index)).to.deep.equal([0, 1]);
    expect(vp.elementReads.map((x) => x.index)).to.deep.equal([2]);
    expect(vp.lane).to.deep.equal({
      level: 1,
      interior: [0, 8],
      segments: [
        { from: 0, to: 0, vectors: 0 },
        { from: 0, to: 8, vectors: 2 },
        { from: 8, to: 8, vectors: 1 },
        { from: 8, to: 8, vectors: 0 },
      ],
    });
    expect(vp.rows).to.deep.equal({ level: 0, count: 4 }); // B does not move along i
    expect(vp.outerLevels).to.deep.equal([0]);
    expect(vp.unroll).to.deep.equal({ full: 1, partial: 1 }); // a 4 × 2 block, taps not unrolled
    // without rows: 4 vectors per lane group (here 2 fit), taps unrolled
    const single = plain(vectorPlan(ap, { rows: 1 }));
    expect(single.rows).to.equal(null);
    expect(single.unroll).to.deep.equal({ full: 8, partial: 4 });
    expect(interleavePlan(ap)).to.deep.equal({ level: 1, count: 4, warmExtents: [2, 4, 2] });
    expect(buildKernel(ins, () => 0)!.info).to.equal("Dot levels [o4 o8 r16] lane 1 interior [0,8] rows 0x4 checks 0");
  });

  it("strided, padded conv-like Dot: one lower-bound check, lanes on its interior", () => {
    // out[c, x] = Σ_{ci, kx} W[c, ci, kx] · X[ci, 2x + kx − 1] (stride 2, left pad 1)
    const ins: Instruction = {
      kind: Kind.Dot,
      op: MapOp.Relu,
      params: [],
      iterDims: [2, 5],
      redDims: [3, 3],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [3, 10],
          [
            [0, 0, 0, 1, 0],
            [-1, 0, 2, 0, 1],
          ],
        ),
        opnd(
          W(0),
          [2, 3, 3],
          [
            [0, 1, 0, 0, 0],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 1],
          ],
        ),
      ],
    };
    const ap = plain(planInstruction(ins));
    expect(ap.levels).to.deep.equal([o(2), o(5), r(3), r(3)]);
    expect(ap.operands).to.deep.equal([
      {
        index: 0,
        role: "reduce",
        addr: { offset: -1, coefs: [0, 2, 10, 1] },
        checks: [{ coord: 1, form: { offset: -1, coefs: [0, 2, 0, 1] }, dim: 10, level: 3, lower: true, upper: false }],
        neverValid: false,
        fitsI32: true,
      },
      {
        index: 1,
        role: "reduce",
        addr: { offset: 0, coefs: [9, 0, 3, 1] },
        checks: [],
        neverValid: false,
        fitsI32: true,
      },
    ]);
    const vp = plain(vectorPlan(ap));
    expect(vp.levels).to.deep.equal([o(2), o(5), r(3), r(3)]);
    expect(vp.checks).to.deep.equal([{ form: { offset: -1, coefs: [0, 2, 0, 1] }, dim: 10, operand: 0 }]);
    // x = 0 reads column −1 at kx = 0: x = 0..3 run as a masked vector, x = 4 scalar
    expect(vp.lane).to.deep.equal({
      level: 1,
      interior: [1, 5],
      segments: [
        { from: 0, to: 4, vectors: 1, masked: true },
        { from: 4, to: 5, vectors: 0 },
      ],
    });
    // without masking: the border element runs scalar, x = 1..4 in f32x4
    expect(vectorPlan(ap, { maskBorders: false }).lane).to.deep.equal({
      level: 1,
      interior: [1, 5],
      segments: [
        { from: 0, to: 1, vectors: 0 },
        { from: 1, to: 5, vectors: 1 },
        { from: 5, to: 5, vectors: 1 },
        { from: 5, to: 5, vectors: 0 },
      ],
    });
    expect(vp.rows).to.deep.equal({ level: 0, count: 2 });
    expect(vp.reductionSteps).to.equal(9);
    // JS: the check moves along x, so the lanes are the output channels
    expect(interleavePlan(ap)).to.deep.equal({ level: 0, count: 2, warmExtents: [2, 2, 2, 2] });
    expect(vectorPlan(ap, { scalarOnly: true }).lane).to.equal(null);
    // X at byte 0 of linear memory: the masked lane reading column −1 would load address −4,
    // so the kernel keeps scalar borders; one slot further on it masks
    expect(buildKernel(ins, () => 0)!.info).to.equal(
      "Dot levels [o2 o5 r3 r3] lane 1 interior [1,5] rows 0x2 checks 1",
    );
    expect(buildKernel(ins, (ref) => (ref.space === Space.Input ? 64 : 0))!.info).to.equal(
      "Dot levels [o2 o5 r3 r3] lane 1 interior [1,5] masked rows 0x2 checks 1",
    );
  });

  it("Map with a broadcast operand: levels stay apart; a contiguous Map merges to one level", () => {
    // out[i, j] = X[i, j] + Y[j]
    const add: Instruction = {
      kind: Kind.Map,
      op: MapOp.Add,
      params: [],
      iterDims: [4, 6],
      redDims: [],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [4, 6],
          [
            [0, 1, 0],
            [0, 0, 1],
          ],
        ),
        opnd(W(0), [6], [[0, 0, 1]]),
      ],
    };
    const ap = plain(planInstruction(add));
    expect(ap.operands.map((x) => [x.role, x.addr])).to.deep.equal([
      ["element", { offset: 0, coefs: [6, 1] }],
      ["element", { offset: 0, coefs: [0, 1] }],
    ]);
    const vp = plain(vectorPlan(ap));
    expect(vp.levels).to.deep.equal([o(4), o(6)]);
    expect(vp.reads).to.deep.equal([]);
    expect(vp.reductionSteps).to.equal(0);
    expect(vp.lane).to.deep.equal({
      level: 1,
      interior: [0, 6],
      segments: [
        { from: 0, to: 0, vectors: 0 },
        { from: 0, to: 4, vectors: 1 },
        { from: 4, to: 4, vectors: 1 },
        { from: 4, to: 6, vectors: 0 },
      ],
    });
    expect(vp.rows).to.equal(null);
    expect(interleavePlan(ap)).to.deep.equal({ level: -1, count: 1, warmExtents: [2, 2] });

    const relu: Instruction = { ...add, op: MapOp.Relu, inputs: [add.inputs[0]] };
    const merged = vectorPlan(planInstruction(relu));
    expect(merged.levels).to.deep.equal([o(24)]);
    expect(merged.out).to.deep.equal({ offset: 0, coefs: [1] });
    expect(merged.operands[0].addr).to.deep.equal({ offset: 0, coefs: [1] });
    expect(merged.lane!.segments[1]).to.deep.equal({ from: 0, to: 16, vectors: 4 });
  });

  it("Reduce (Mean over the last axis): merged output levels, lanes of three vectors", () => {
    const ins: Instruction = {
      kind: Kind.Reduce,
      op: ReduceOp.Mean,
      params: [7],
      iterDims: [3, 5],
      redDims: [7],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [3, 5, 7],
          [
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
        ),
      ],
    };
    const ap = plain(planInstruction(ins));
    expect(ap.operands[0].addr).to.deep.equal({ offset: 0, coefs: [35, 7, 1] });
    expect(ap.operands[0].role).to.equal("reduce");
    const vp = plain(vectorPlan(ap));
    expect(vp.levels).to.deep.equal([o(15), r(7)]);
    expect(vp.out).to.deep.equal({ offset: 0, coefs: [1, 0] });
    expect(vp.outputLevels).to.deep.equal([0]);
    expect(vp.reductionLevels).to.deep.equal([1]);
    expect(vp.lane).to.deep.equal({
      level: 0,
      interior: [0, 15],
      segments: [
        { from: 0, to: 0, vectors: 0 },
        { from: 0, to: 12, vectors: 3 },
        { from: 12, to: 12, vectors: 1 },
        { from: 12, to: 15, vectors: 0 },
      ],
    });
    expect(vp.rows).to.equal(null);
    expect(vp.outerLevels).to.deep.equal([]);
    expect(interleavePlan(ap)).to.deep.equal({ level: 1, count: 4, warmExtents: [2, 5, 2] });
  });

  it("Move with several sources: a check per source, a never-valid source, lane segments per check", () => {
    // concat along columns: out[i, x] = A[i, x] (x < 3) else B[i, x − 3]; C is never valid
    const ins: Instruction = {
      kind: Kind.Move,
      op: 0,
      params: [0],
      iterDims: [2, 6],
      redDims: [],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [2, 3],
          [
            [0, 1, 0],
            [0, 0, 1],
          ],
        ),
        opnd(
          W(0),
          [2, 3],
          [
            [0, 1, 0],
            [-3, 0, 1],
          ],
        ),
        opnd(W(1), [4], [[5, 0, 0]]),
      ],
    };
    const ap = plain(planInstruction(ins));
    expect(ap.operands).to.deep.equal([
      {
        index: 0,
        role: "element",
        addr: { offset: 0, coefs: [3, 1] },
        checks: [{ coord: 1, form: { offset: 0, coefs: [0, 1] }, dim: 3, level: 1, lower: false, upper: true }],
        neverValid: false,
        fitsI32: true,
      },
      {
        index: 1,
        role: "element",
        addr: { offset: -3, coefs: [3, 1] },
        checks: [{ coord: 1, form: { offset: -3, coefs: [0, 1] }, dim: 3, level: 1, lower: true, upper: false }],
        neverValid: false,
        fitsI32: true,
      },
      { index: 2, role: "element", addr: { offset: 5, coefs: [0, 0] }, checks: [], neverValid: true, fitsI32: true },
    ]);
    expect(ap.emptyReduction).to.equal(false);
    expect(interleavePlan(ap)).to.deep.equal({ level: -1, count: 1, warmExtents: [2, 2] });
    // the column checks depend on the lane level alone: segments [0, 3) (A) and [3, 6) (B)
    const vp = plain(vectorPlan(ap));
    expect(vp.levels).to.deep.equal([o(2), o(6)]);
    expect(vp.sources).to.deep.equal([0, 1]);
    expect(vp.checks.map((c) => c.operand)).to.deep.equal([0, 1]);
    expect(vp.lane).to.deep.equal({
      level: 1,
      interior: [0, 6],
      segments: [
        { from: 0, to: 3, vectors: 0 },
        { from: 3, to: 6, vectors: 0 },
      ],
    });
    expect(vp.outerLevels).to.deep.equal([0]);
    expect(buildKernel(ins, () => 0)!.info).to.equal("Move levels [o2 o6] lane 1 segments [0:0,3:0] checks 2");
    // without a fill value an element could be left without a value: JS runs (and reports) it
    expect(buildKernel({ ...ins, params: [] }, () => 0)).to.not.equal(null); // every element has a source
    const gap = { ...ins, params: [], iterDims: [2, 7] };
    expect(buildKernel(gap, () => 0)).to.equal(null);
  });

  it("a reduction that never reads drops its levels; coordinates beyond i32 leave the kernel to JS", () => {
    const never: Instruction = {
      kind: Kind.Dot,
      op: MapOp.None,
      params: [],
      iterDims: [8],
      redDims: [4],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [2, 4],
          [
            [-1, 0, 0],
            [0, 0, 1],
          ],
        ),
        opnd(W(0), [4], [[0, 0, 1]]),
      ],
    };
    const ap = planInstruction(never);
    expect(ap.emptyReduction).to.equal(true);
    expect(ap.operands[0].neverValid).to.equal(true);
    const vp = vectorPlan(ap);
    expect(vp.levels).to.deep.equal([o(8)]);
    expect(vp.reads).to.deep.equal([]);
    expect(vp.checks).to.deep.equal([]);
    expect(vp.reductionSteps).to.equal(0);

    const wide: Instruction = {
      kind: Kind.Reduce,
      op: ReduceOp.Sum,
      params: [],
      iterDims: [2],
      redDims: [3],
      out: Act(0),
      inputs: [opnd(In(0), [4], [[0, 0, 2 ** 31]])],
    };
    expect(planInstruction(wide).operands[0].fitsI32).to.equal(false);
    expect(buildKernel(wide, () => 0)).to.equal(null);
  });
});
