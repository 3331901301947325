// referee model inspect: what a model is made of, and what Referee cannot run in it.
import * as path from "path";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import * as fmt from "../format";
import { readModel } from "../model";

export async function inspect(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const info = model.info;
  if (args.has("json")) {
    ctx.out(JSON.stringify({ model: model.path, bytes: model.bytes.length, ...info }) + "\n");
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
      ? "unsupported    none: every op can be compiled"
      : `unsupported    ${info.unsupported.length} op type${info.unsupported.length === 1 ? "" : "s"}: ${info.unsupported.join(", ")}`,
  ];
  ctx.out(lines.join("\n") + "\n");
}
