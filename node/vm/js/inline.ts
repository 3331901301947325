// FO32 operations inlined into the JS engine's kernels. Each inline is checked against the
// node/fo32 closure on the probe values (../probe.ts) before use; on any disagreement the
// closure is called instead, so the fast path can never drift from the definition the
// stepper uses.
import { MapOp } from "../../program/isa";
import * as fo32 from "../../fo32";
import { probeOnce, probeValues } from "../probe";

export type Unary = (x: number) => number;
export type Binary = (x: number, y: number) => number;

/** A JS literal for a binary32 value, exact for every value incl. −0, ±∞, NaN. */
export function lit(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "(-Infinity)";
  if (Object.is(x, -0)) return "(-0)";
  return x < 0 ? `(${String(x)})` : String(x);
}

// fo32 max/min: NaN if either is NaN; max(−0,+0) = +0, min(−0,+0) = −0. `r` is assigned.
export function maxInto(r: string, y: string): string {
  return `if (${r} !== ${r} || ${y} !== ${y}) ${r} = NaN; else if (${r} < ${y} || (${r} === 0 && ${y} === 0 && 1 / ${r} < 0)) ${r} = ${y};`;
}
export function minInto(r: string, y: string): string {
  return `if (${r} !== ${r} || ${y} !== ${y}) ${r} = NaN; else if (${r} > ${y} || (${r} === 0 && ${y} === 0 && 1 / ${r} > 0)) ${r} = ${y};`;
}

/** Statements declaring `let r` = op(x), or null if the op is not inlined. */
function inlineUnary(op: number, params: readonly number[], x: string, r: string): string | null {
  switch (op) {
    case MapOp.None:
    case MapOp.Identity:
      return `let ${r} = ${x};`;
    case MapOp.Neg:
      return `let ${r} = -${x};`;
    case MapOp.Relu:
      return `let ${r} = ${x} > 0 || ${x} !== ${x} ? ${x} : 0;`;
    case MapOp.LeakyRelu:
      if (params.length < 1) return null;
      return `let ${r} = ${x} < 0 ? fround(${x} * ${lit(params[0])}) : ${x};`;
    case MapOp.Clip:
      if (params.length < 2) return null;
      return `let ${r} = ${x}; ${maxInto(r, lit(params[0]))} ${minInto(r, lit(params[1]))}`;
    default:
      return null;
  }
}

function inlineBinary(op: number, x: string, y: string, r: string): string | null {
  switch (op) {
    case MapOp.Add:
      return `let ${r} = fround(${x} + ${y});`;
    case MapOp.Sub:
      return `let ${r} = fround(${x} - ${y});`;
    case MapOp.Mul:
      return `let ${r} = fround(${x} * ${y});`;
    case MapOp.Div:
      return `let ${r} = fround(${x} / ${y});`;
    case MapOp.Max:
      return `let ${r} = ${x}; ${maxInto(r, y)}`;
    case MapOp.Min:
      return `let ${r} = ${x}; ${minInto(r, y)}`;
    case MapOp.Equal:
      return `let ${r} = ${x} === ${y} ? 1 : 0;`;
    case MapOp.Less:
      return `let ${r} = ${x} < ${y} ? 1 : 0;`;
    case MapOp.LessOrEqual:
      return `let ${r} = ${x} <= ${y} ? 1 : 0;`;
    default:
      return null;
  }
}

function sameBits(a: number, b: number): boolean {
  return fo32.bitsOf(Math.fround(a)) === fo32.bitsOf(Math.fround(b)) && (a === a) === (b === b);
}

/** Whether the statements (computing r from x, or x and y) agree with `reference` on every probe. */
function probeAgrees(stmts: string, arity: 1 | 2, reference: Unary | Binary, params: readonly number[]): boolean {
  return probeOnce(`js:${stmts}`, () => {
    const values = probeValues(params);
    // The inlined statements are generated source: compile them to probe them.
    /* eslint-disable @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call */
    if (arity === 1) {
      const f = new Function("fround", `return function (x) { ${stmts} return r; };`)(Math.fround) as Unary;
      const g = reference as Unary;
      return values.every((x) => sameBits(f(x), g(x)));
    }
    const f = new Function("fround", `return function (x, y) { ${stmts} return r; };`)(Math.fround) as Binary;
    /* eslint-enable @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call */
    const g = reference;
    return values.every((x) => values.every((y) => sameBits(f(x, y), g(x, y))));
  });
}

/** Statements declaring `let r` = F(x): the probed inline, or a call of the closure F. */
export function unaryCode(op: number, params: readonly number[], x: string, r: string, F: Unary): string {
  const stmts = inlineUnary(op, params, "x", "r");
  if (stmts !== null && probeAgrees(stmts, 1, F, params)) return inlineUnary(op, params, x, r)!;
  return `let ${r} = F(${x});`;
}

/** Statements declaring `let r` = G(x, y): the probed inline, or a call of the closure G. */
export function binaryCode(op: number, x: string, y: string, r: string, G: Binary): string {
  const stmts = inlineBinary(op, "x", "y", "r");
  if (stmts !== null && probeAgrees(stmts, 2, G, [])) return inlineBinary(op, x, y, r)!;
  return `let ${r} = G(${x}, ${y});`;
}

/** Whether the Max / Min inline agrees with G (the Reduce combine uses maxInto / minInto in place). */
export function combineInlines(op: MapOp.Max | MapOp.Min, G: Binary): boolean {
  return probeAgrees(inlineBinary(op, "x", "y", "r")!, 2, G, []);
}
