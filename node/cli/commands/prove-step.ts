// referee prove-step: the one-step proof of step s of a run — exactly what a challenger
// submits to OneStepVerifier.step(programRoot, preStateHash, proof) (docs/PROTOCOL.md §6) —
// with the pre-state, the instruction and its path, the values read and written, and the
// post-state the verifier returns. The proof is run through the node's model of the
// verifier (verifyWitness on the decoded bytes) before it is printed.
import * as path from "path";
import { Kind, MapOp, ReduceOp, Space } from "../../program/isa";
import { RefereeError } from "../../errors";
import { execute } from "../../vm/execute";
import { programSteps } from "../../vm/layout";
import type { ParsedArgs } from "../args";
import type { CommandContext } from "../command";
import {
  StateParts,
  TraceCommitter,
  ValueWitness,
  buildWitness,
  decodeInstruction,
  decodeWitness,
  encodeWitness,
  f32Bits,
  leafValue,
  stateHash,
  toHex,
  verifyWitness,
} from "../../commit";
import * as fmt from "../format";
import { compileWithProgress, inputSource, readModel } from "../model";
import { jsonValue } from "./run";

const hex32 = (u: number): string => "0x" + (u >>> 0).toString(16).padStart(8, "0");

function stateJson(s: StateParts) {
  return {
    weightsRoot: toHex(s.weightsRoot),
    inputsRoot: toHex(s.inputsRoot),
    activationsRoot: toHex(s.activationsRoot),
    pc: s.pc,
    acc: jsonValue(s.acc),
    accBits: hex32(f32Bits(s.acc)),
    hash: toHex(stateHash(s)),
  };
}

function valueJson(v: ValueWitness) {
  const x = leafValue(v.leaf, v.address % 8);
  return {
    space: Space[v.slot.space],
    slot: v.slot.index,
    address: v.address,
    value: jsonValue(x),
    bits: hex32(f32Bits(x)),
    leaf: toHex(v.leaf),
    leafPath: v.leafProof.map(toHex),
    slotRoot: toHex(v.slotRoot),
    slotPath: v.slotProof.map(toHex),
  };
}

function opName(kind: Kind, op: number): string {
  if (kind === Kind.Reduce) return ReduceOp[op] ?? String(op);
  if (kind === Kind.Move) return "-";
  return MapOp[op] ?? String(op);
}

export async function proveStep(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const model = readModel(args.positionals[0]);
  const s = args.int("step");
  if (s === undefined) throw new RefereeError("USAGE", "give the step to prove: --step <s>");
  const { compiled, ms: compileMs } = compileWithProgress(model, args, ctx.progress);
  const program = compiled.program;
  const n = programSteps(program);
  if (s > n) throw new RefereeError("USAGE", `--step ${s} is beyond the last step N = ${n}`);
  const source = inputSource(args, program.inputs);
  const run = ctx.progress.phase("executing", () => execute(program, source.inputs(0)));
  const built = await ctx.progress.phaseAsync("building the proof", async () => {
    const trace = await TraceCommitter.create(program, run.value);
    const witness = buildWitness(trace, s);
    const proof = encodeWitness(witness);
    // The node's model of the on-chain verifier, on the bytes as submitted.
    const check = verifyWitness({ ...decodeWitness(proof), postHash: witness.postHash }, trace.programTree.root);
    if (!(check.agrees && toHex(check.preHash) === toHex(stateHash(witness.pre)))) {
      throw new Error(`prove-step: the proof of step ${s} does not verify to the next state`);
    }
    return { trace, witness, proof, post: check.post };
  });
  const { trace, witness, proof, post } = built.value;
  const programRoot = toHex(trace.programTree.root);
  const ins = witness.instruction === null ? null : decodeInstruction(witness.instruction.bytes);
  const phase = ins === null ? "halted" : witness.write === null ? "accumulate" : "write";
  const timings = { compileMs, executeMs: run.ms, proveMs: built.ms };

  if (args.has("json")) {
    ctx.out(
      JSON.stringify({
        model: model.path,
        inputs: source.describe(0),
        step: s,
        steps: n,
        programRoot,
        preState: stateJson(witness.pre),
        instruction:
          ins === null
            ? null
            : {
                index: witness.pre.pc.instr,
                kind: Kind[ins.kind],
                op: opName(ins.kind, ins.op),
                phase,
                bytes: toHex(witness.instruction!.bytes),
                path: witness.instruction!.proof.map(toHex),
              },
        reads: witness.reads.map(valueJson),
        write: witness.write === null ? null : valueJson(witness.write),
        proof: toHex(proof),
        proofBytes: proof.length,
        postState: stateJson(post),
        timings,
      }) + "\n",
    );
    return;
  }

  const pc = witness.pre.pc;
  const stateLines = (label: string, st: StateParts): string[] => [
    `${label.padEnd(20)}${toHex(stateHash(st))}`,
    `  weights root      ${toHex(st.weightsRoot)}`,
    `  inputs root       ${toHex(st.inputsRoot)}`,
    `  activations root  ${toHex(st.activationsRoot)}`,
    `  pc                (${st.pc.instr}, ${st.pc.elem}, ${st.pc.k})`,
    `  acc               ${fmt.num(st.acc)} (${hex32(f32Bits(st.acc))})`,
  ];
  const valueLine = (what: string, v: ValueWitness): string => {
    const x = leafValue(v.leaf, v.address % 8);
    return `  ${what.padEnd(7)} ${Space[v.slot.space]} slot ${v.slot.index} [${v.address}] = ${fmt.num(x)} (${hex32(f32Bits(x))}), leaf path ${v.leafProof.length}, slot path ${v.slotProof.length}`;
  };
  const lines = [
    `model               ${path.basename(model.path)}`,
    `inputs              ${source.describe(0)}`,
    `step                ${fmt.int(s)} of N = ${fmt.int(n)}`,
    `program root        ${programRoot}`,
    ...stateLines("pre-state", witness.pre),
  ];
  if (ins === null) {
    lines.push(`instruction         none: the halted state is a fixed point`);
  } else {
    lines.push(
      `instruction         ${pc.instr}: ${Kind[ins.kind]} ${opName(ins.kind, ins.op)} (${phase}), ${witness.instruction!.bytes.length} bytes, path ${witness.instruction!.proof.length}`,
      `  bytes             ${toHex(witness.instruction!.bytes)}`,
    );
    witness.instruction!.proof.forEach((p, d) => lines.push(`${`  path[${d}]`.padEnd(20)}${toHex(p)}`));
  }
  if (witness.reads.length > 0 || witness.write !== null) lines.push("values");
  witness.reads.forEach((r, i) => lines.push(valueLine(`read ${i}`, r)));
  if (witness.write !== null) lines.push(valueLine("write", witness.write));
  lines.push(...stateLines("post-state", post));
  lines.push(`proof (${proof.length} bytes, docs/PROTOCOL.md §6)`);
  lines.push(toHex(proof));
  lines.push(`timings             compile ${fmt.ms(compileMs)}, execute ${fmt.ms(run.ms)}, prove ${fmt.ms(built.ms)}`);
  ctx.out(lines.join("\n") + "\n");
}
