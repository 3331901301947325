// referee model inspect: what a model is made of, and what Referee cannot run in it (op
// types it has no lowering for, and whatever else compiling the model refuses).
import * as path from "path";
import { RefereeError } from "../../errors";
import { Kind, totalSteps } from "../../program/isa";
import { StepProofBound, heaviestProofBound } from "../../commit/proof-size";
import { ParsedArgs, parseFixed } from "../args";
import type { CommandContext } from "../command";
import * as fmt from "../format";
import { compileLoaded, LoadedModel, readModel, resolveShapes } from "../model";

/** What compiling the model showed: op types alone do not tell (input types, attributes, shapes do). */
type CompileCheck =
  | { status: "ok"; instructions: number; steps: number; heaviestProof: StepProofBound | null }
  | { status: "fails"; error: string }
  | { status: "not checked"; reason: string };

/** Run the compiler, exactly as `referee run` would, and say what it found. */
function checkCompile(model: LoadedModel, args: ParsedArgs): CompileCheck {
  if (model.info.unsupported.length > 0) return { status: "not checked", reason: "unsupported op types" };
  const fixedInputs = parseFixed(args.all("fix")); // a malformed --fix is a usage error, not a compile finding
  try {
    const shapes = resolveShapes(args, model.info);
    const { program } = compileLoaded(model, { shapes, fixedInputs });
    return {
      status: "ok",
      instructions: program.instructions.length,
      steps: totalSteps(program),
      heaviestProof: heaviestProofBound(program),
    };
  } catch (e) {
    if (!(e instanceof RefereeError)) throw e;
    // Dynamic dims without --shape: the ops past them cannot be checked, and we say so.
    if (e.code === "SHAPE" && /dynamic dims|no declared shape/.test(e.message))
      return { status: "not checked", reason: e.message };
    return { status: "fails", error: e.message };
  }
}

function compileLine(c: CompileCheck): string {
  if (c.status === "ok") {
    const line = `compile        ok: ${fmt.int(c.instructions)} instructions, ${fmt.int(c.steps)} steps`;
    const h = c.heaviestProof;
    if (h === null) return line;
    // What the last move of a dispute on this model costs at most in calldata (PROTOCOL §6.1).
    return (
      `${line}\n` +
      `one-step proof at most ${fmt.int(h.calldataBytes)} calldata bytes, EIP-7623 floor ≤ ${fmt.int(h.floorGas)} gas ` +
      `(instruction ${h.instr}, ${Kind[h.kind]} ${h.phase})`
    );
  }
  if (c.status === "fails") return `compile        fails: ${c.error}`;
  return `compile        not checked: ${c.reason}`;
}

export async function inspect(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const info = model.info;
  const compile = checkCompile(model, args);
  if (args.has("json")) {
    ctx.out(JSON.stringify({ model: model.path, bytes: model.bytes.length, ...info, compile }) + "\n");
    return;
  }
  const opsets = Object.entries(info.opsets)
    .map(([d, v]) => `${d === "" ? "ai.onnx" : d} ${v}`)
    .join(", ");
  const nodes = Object.values(info.opCounts).reduce((a, b) => a + b, 0);
  // Unsupported entries carry their domain ("com.microsoft.X"); op counts are by op type.
  const unsupported = new Set(info.unsupported.map((u) => u.slice(u.lastIndexOf(".") + 1)));
  const ops = Object.entries(info.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const lines = [
    `model          ${path.basename(model.path)} (${fmt.bytes(model.bytes.length)})`,
    `format         ONNX IR ${info.irVersion}, opset ${opsets}${info.producer ? `, producer ${info.producer}` : ""}`,
    "inputs",
    fmt.table(info.inputs.map((t) => [t.name, t.elemType, fmt.dims(t.dims)])),
    "outputs",
    fmt.table(info.outputs.map((t) => [t.name, t.elemType, fmt.dims(t.dims)])),
    `weights        ${fmt.int(info.initializers)} initializers, ${fmt.int(info.parameters)} parameters`,
    `ops            ${fmt.int(nodes)} nodes, ${ops.length} op types`,
    fmt.table(ops.map(([op, n]) => [op, String(n), unsupported.has(op) ? "unsupported" : ""])),
    info.unsupported.length === 0
      ? "unsupported    none: every op type has a lowering"
      : `unsupported    ${info.unsupported.length} op type${info.unsupported.length === 1 ? "" : "s"}: ${info.unsupported.join(", ")}`,
    compileLine(compile),
  ];
  ctx.out(lines.join("\n") + "\n");
}
