// Einsum with one or two operands as one Dot (the patterns attention exports use:
// "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd", batched matmuls, transposes, diagonals, sums).
// Iteration variables: the output's letters in output order, then the summed letters in the
// order they first appear in the inputs; the Dot reduces over the summed letters row-major,
// ascending (§2.2), which fixes the FO32 order. One operand is multiplied by the constant 1
// (exact). "..." broadcasts like numpy, right-aligned.
import { NodeContext } from "../context";
import { Kind, MapOp, product } from "../../program/isa";
import { OperandSpec, Value, dimsOf } from "../values";

interface Term {
  letters: string[];
  dims: number[];
}

/** The letters of each operand, with "..." expanded to shared letters unused elsewhere. */
function parse(ctx: NodeContext, equation: string, ranks: number[]): { terms: string[][]; output: string[] } {
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhs] = eq.split("->");
  const parts = lhs.split(",");
  if (parts.length !== ranks.length)
    ctx.fail(`equation '${equation}' has ${parts.length} operands, got ${ranks.length}`);
  const used = new Set(eq.replace(/[^a-zA-Z]/g, ""));
  const spare = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"].filter((c) => !used.has(c));
  let ellipsis = 0;
  const counts = parts.map((p, i) => {
    const named = p.replace("...", "").length;
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(p)) ctx.fail(`equation '${equation}': bad term '${p}'`);
    const e = p.includes("...") ? ranks[i] - named : 0;
    if (e < 0 || (!p.includes("...") && named !== ranks[i]))
      ctx.fail(`equation '${equation}': term '${p}' does not match rank ${ranks[i]}`);
    ellipsis = Math.max(ellipsis, e);
    return e;
  });
  const ell = spare.slice(0, ellipsis);
  const expand = (p: string, e: number) => {
    const [a, b] = p.includes("...") ? p.split("...") : [p, ""];
    return [...a, ...ell.slice(ellipsis - e), ...b];
  };
  const terms = parts.map((p, i) => expand(p, counts[i]));
  let output: string[];
  if (rhs === undefined) {
    // Implicit: the broadcast letters, then the letters used once, alphabetically.
    const once = [...used].filter((c) => parts.join("").split(c).length - 1 === 1).sort();
    output = [...ell, ...once];
  } else {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(rhs)) ctx.fail(`equation '${equation}': bad output '${rhs}'`);
    output = expand(rhs, ellipsis);
  }
  return { terms, output };
}

export function Einsum(ctx: NodeContext): Value[] {
  const equation = ctx.str("equation", "");
  const values = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
  if (values.length < 1 || values.length > 2)
    ctx.unsupported(`${values.length} operands (only one or two compile, as one Dot)`);
  const { terms, output } = parse(
    ctx,
    equation,
    values.map((v) => dimsOf(v).length),
  );
  const operands: Term[] = values.map((v, i) => ({ letters: terms[i], dims: dimsOf(v) }));
  const size = new Map<string, number>();
  for (const t of operands)
    t.letters.forEach((c, a) => {
      const d = t.dims[a];
      const seen = size.get(c);
      if (seen === undefined || seen === 1) size.set(c, d);
      else if (d !== 1 && d !== seen) ctx.fail(`equation '${equation}': '${c}' is ${seen} and ${d}`);
    });
  for (const c of output) if (!size.has(c)) ctx.fail(`equation '${equation}': output letter '${c}' is in no input`);
  const summed: string[] = [];
  for (const t of operands) for (const c of t.letters) if (!output.includes(c) && !summed.includes(c)) summed.push(c);
  const outDims = output.map((c) => size.get(c)!);
  // A scalar output or no summed letter: one dummy variable of size 1 (coefficient 0 everywhere).
  const iterLetters = output.length > 0 ? output : ["#out"];
  const redLetters = summed.length > 0 ? summed : ["#red"];
  const vars = [...iterLetters, ...redLetters];
  const n = vars.length;
  const spec = (v: Value, t: Term): OperandSpec => {
    const coef = new Array<number>(t.dims.length * n).fill(0);
    t.letters.forEach((c, a) => {
      // A size-1 axis against a larger letter broadcasts: it stays at index 0.
      if (t.dims[a] === size.get(c)) coef[a * n + vars.indexOf(c)] = 1;
    });
    return { value: v, dims: t.dims, offset: new Array<number>(t.dims.length).fill(0), coef };
  };
  const one: Value = { kind: "const", t: { dtype: "float32", dims: [1], data: Float32Array.of(1) } };
  const inputs =
    values.length === 2
      ? [spec(values[0], operands[0]), spec(values[1], operands[1])]
      : [spec(values[0], operands[0]), { value: one, dims: [1], offset: [0], coef: new Array<number>(n).fill(0) }];
  const iterDims = output.length > 0 ? outDims : [1];
  const redDims = summed.length > 0 ? summed.map((c) => size.get(c)!) : [1];
  if (product(iterDims) === 0 || product(redDims) === 0) ctx.fail(`equation '${equation}': an empty dimension`);
  return [ctx.b.kernel({ kind: Kind.Dot, op: MapOp.None, params: [], iterDims, redDims, inputs }, outDims, ctx.name)];
}
