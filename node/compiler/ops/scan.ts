// CumSum as a Reduce whose read window follows the output index: out[i] = Σ x[i − r] over
// r = 0 … n−1, a read being out of range once i − r < 0 (skipped, §2.2). The sum runs from
// x[i] down to x[0] (reverse: from x[i] up to x[n−1]), each a plain FO32 add from +0, so
// infinities and NaN propagate as in the ONNX definition; only the order of the additions,
// and so the rounding, may differ from a front-to-back running sum.
import { Kind, ReduceOp } from "../../program/isa";
import { NodeContext, normAxis } from "../context";
import { Value, dimsOf } from "../values";

export function CumSum(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const axis = normAxis(ctx, ctx.constInput(1, "axis").data[0], xd.length);
  const exclusive = ctx.int("exclusive", 0) !== 0;
  const reverse = ctx.int("reverse", 0) !== 0;
  const n = xd[axis];
  const w = xd.length + 1; // iteration dims, then the one reduction dim
  const coef = new Array<number>(xd.length * w).fill(0);
  xd.forEach((_, j) => (coef[j * w + j] = 1));
  coef[axis * w + xd.length] = reverse ? 1 : -1;
  const offset = xd.map((_, j) => (j === axis && exclusive ? (reverse ? 1 : -1) : 0));
  return [
    ctx.b.kernel(
      {
        kind: Kind.Reduce,
        op: ReduceOp.Sum,
        params: [],
        iterDims: xd,
        redDims: [n],
        inputs: [{ value: x, dims: xd, offset, coef }],
      },
      xd,
      ctx.name,
    ),
  ];
}
