// Control flow: If. A condition known at compile time (a constant, or folded from constants
// and shapes) selects one branch, the only one compiled. A runtime condition compiles both
// branches and selects each output elementwise with Where (one Map step per output), which
// needs both branches to give the output the same shape: the program's shapes are static.
import { ConstTensor, elementCount } from "../../onnx/tensor";
import { INTEGER_INPUT_TYPES, IntegerInputType, MapOp } from "../../program/isa";
import { NodeContext } from "../context";
import { Value, dimsOf } from "../values";
import { mapValues, reshapeValue } from "./kernels";

/** A bool constant as the float32 0 / 1 a Where operand reads (weight slots are float32). */
function asOperand(v: Value): Value {
  if (v.kind !== "const" || v.t.dtype !== "bool") return v;
  const t: ConstTensor = { dtype: "float32", dims: v.t.dims, data: Float32Array.from(v.t.data) };
  return { kind: "const", t };
}

function typeOf(v: Value): string | undefined {
  return v.kind === "const" ? v.t.dtype : v.dtype;
}

export function If(ctx: NodeContext): Value[] {
  const cond = ctx.input(0);
  const thenBranch = ctx.graphAttr("then_branch");
  const elseBranch = ctx.graphAttr("else_branch");
  const cd = dimsOf(cond);
  if (elementCount(cd) !== 1) ctx.fail(`the condition has dims [${cd.join(",")}], expected a single element`);
  if (cond.kind === "const") return ctx.lowerSubgraph(cond.t.data[0] !== 0 ? thenBranch : elseBranch);

  const a = ctx.lowerSubgraph(thenBranch);
  const b = ctx.lowerSubgraph(elseBranch);
  if (a.length !== b.length)
    ctx.fail(`then_branch gives ${a.length} outputs, else_branch ${b.length}: a runtime If needs the same outputs`);
  const c = reshapeValue(cond, [], `${ctx.name}/cond`);
  return a.map((x, k) => {
    const y = b[k];
    const out = ctx.node.outputs[k] || `${ctx.name}/${k}`;
    if (x === y) return x; // both branches give the same value: nothing to select
    const xd = dimsOf(x);
    const yd = dimsOf(y);
    if (xd.length !== yd.length || xd.some((d, j) => d !== yd[j]))
      ctx.unsupported(
        `output '${out}' has dims [${xd.join(",")}] in then_branch and [${yd.join(",")}] in else_branch; a runtime condition needs equal shapes (fix the input that decides it, e.g. --fix)`,
      );
    const sel = mapValues(ctx.b, MapOp.Where, [c, asOperand(x), asOperand(y)], [], out);
    // Keep an integer type both branches agree on, for a later Cast or index use.
    const t = typeOf(x);
    const known = t === typeOf(y) && (INTEGER_INPUT_TYPES as readonly (string | undefined)[]).includes(t);
    return sel.kind === "tensor" && known ? { ...sel, dtype: t as IntegerInputType } : sel;
  });
}
