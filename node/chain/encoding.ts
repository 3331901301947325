// The node's view of the protocol's ABI structs: ModelParts for ModelRegistry.register, the
// claim (outputs, final state roots, output proofs) for Coordinator.claim, and the request
// and output byte encodings (PROTOCOL.md §5). Shared by the agents, the CLI and the tests.
import { getBytes, hexlify } from "ethers";
import { CompiledModel } from "../compiler/api";
import { TensorSpec } from "../program/isa";
import {
  ProgramHeader,
  ProgramTree,
  SpaceTrees,
  f32Bits,
  keccak256,
  modelCommitment,
  programRootOf,
  specListHash,
  stateHash,
  toHex,
} from "../commit";
import { ByteWriter } from "../commit/bytes";
import { MODEL_COMMITMENT } from "../commit/domains";

/** Roots of a halted state (the claim's FinalState struct). */
export interface FinalStateParts {
  weightsRoot: string;
  inputsRoot: string;
  activationsRoot: string;
}

/** Everything `Coordinator.claim` takes besides the request id. */
export interface ClaimData {
  output: string;
  finalStateHash: string;
  final: FinalStateParts;
  proofs: string[][];
}

export interface TensorSpecStruct {
  space: number;
  slotIndex: number;
  dims: number[];
  name: string;
}

export interface ModelPartsStruct {
  program: {
    instructionTreeRoot: string;
    instructions: number;
    weightSlots: number;
    inputSlots: number;
    activationSlots: number;
  };
  weightsRoot: string;
  initialActivationsRoot: string;
  steps: bigint;
  inputs: TensorSpecStruct[];
  outputs: TensorSpecStruct[];
  onnxFileHash: string;
  compilerVersion: number;
}

export function specStruct(s: TensorSpec): TensorSpecStruct {
  return { space: s.slot.space, slotIndex: s.slot.index, dims: [...s.dims], name: s.name };
}

export function headerStruct(h: ProgramHeader): ModelPartsStruct["program"] {
  return {
    instructionTreeRoot: toHex(h.instructionTreeRoot),
    instructions: h.instructions,
    weightSlots: h.weightSlots,
    inputSlots: h.inputSlots,
    activationSlots: h.activationSlots,
  };
}

/** Values as big-endian binary32, concatenated (§5.1, §5.2). NaN is written canonical. */
export function f32Bytes(arrays: readonly Float32Array[]): string {
  const n = arrays.reduce((a, x) => a + x.length, 0);
  const out = new Uint8Array(4 * n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const a of arrays) for (const x of a) dv.setUint32(o++ * 4, f32Bits(x));
  return hexlify(out);
}

/** f32Bytes' inverse: the big-endian binary32 values of `hex` (whole 4-byte groups). */
export function f32Values(hex: string): Float32Array {
  const b = getBytes(hex);
  if (b.length % 4 !== 0) throw new RangeError(`f32Values: ${b.length} bytes is not a whole number of binary32 values`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Float32Array.from({ length: b.length / 4 }, (_, i) => dv.getFloat32(4 * i));
}

/** modelCommitment (§3.5) of ModelParts, computed the node's way. */
export function commitmentOf(p: ModelPartsStruct): string {
  const toSpec = (s: TensorSpecStruct): TensorSpec => ({
    name: s.name,
    dims: s.dims,
    slot: { space: s.space, index: s.slotIndex },
  });
  const programRoot = programRootOf({
    instructionTreeRoot: bytes(p.program.instructionTreeRoot),
    instructions: p.program.instructions,
    weightSlots: p.program.weightSlots,
    inputSlots: p.program.inputSlots,
    activationSlots: p.program.activationSlots,
  });
  const w = new ByteWriter(256)
    .u8(MODEL_COMMITMENT)
    .bytes(programRoot)
    .bytes(bytes(p.weightsRoot))
    .bytes(bytes(p.initialActivationsRoot))
    .u64(Number(p.steps), "N")
    .bytes(specListHash(p.inputs.map(toSpec)))
    .bytes(specListHash(p.outputs.map(toSpec)))
    .bytes(bytes(p.onnxFileHash))
    .u32(p.compilerVersion, "compilerVersion");
  return toHex(keccak256(w.finish()));
}

export function programRootHex(p: ModelPartsStruct): string {
  return toHex(
    programRootOf({
      instructionTreeRoot: bytes(p.program.instructionTreeRoot),
      instructions: p.program.instructions,
      weightSlots: p.program.weightSlots,
      inputSlots: p.program.inputSlots,
      activationSlots: p.program.activationSlots,
    }),
  );
}

export function bytes(hex: string): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  return Uint8Array.from(Buffer.from(h, "hex"));
}

/** Hash of a state (§3.4) from hex roots. */
export function stateHashHex(w: string, i: string, a: string, instr: number, elem = 0, k = 0, acc = 0): string {
  return toHex(
    stateHash({ weightsRoot: bytes(w), inputsRoot: bytes(i), activationsRoot: bytes(a), pc: { instr, elem, k }, acc }),
  );
}

/**
 * Claim data for a halted state whose memory is `weights`, `inputs`, `activations` (each a
 * built SpaceTrees), with `outputs` read from the slots the output specs name.
 */
export function claimOf(
  instructions: number,
  spaces: { weights: SpaceTrees; inputs: SpaceTrees; activations: SpaceTrees },
  outputs: readonly TensorSpecStruct[],
): ClaimData {
  const byId = [spaces.weights, spaces.inputs, spaces.activations];
  const final = {
    weightsRoot: toHex(spaces.weights.root()),
    inputsRoot: toHex(spaces.inputs.root()),
    activationsRoot: toHex(spaces.activations.root()),
  };
  const values = outputs.map((o) => byId[o.space].slots[o.slotIndex].values);
  const proofs = outputs.map((o) => byId[o.space].slotProof(o.slotIndex).map(toHex));
  return {
    output: f32Bytes(values),
    finalStateHash: stateHashHex(final.weightsRoot, final.inputsRoot, final.activationsRoot, instructions),
    final,
    proofs,
  };
}

/** ModelRegistry.register's parts for a compiled model, and the node's commitment (its model id). */
export function modelPartsOf(model: CompiledModel): { parts: ModelPartsStruct; commitment: string } {
  const program = model.program;
  const tree = ProgramTree.build(program);
  const c = modelCommitment(program, model.onnxHash, { programTree: tree });
  return {
    parts: {
      program: headerStruct(tree.header),
      weightsRoot: c.weightsRoot,
      initialActivationsRoot: c.initialActivationsRoot,
      steps: BigInt(c.N),
      inputs: program.inputs.map(specStruct),
      outputs: program.outputs.map(specStruct),
      onnxFileHash: c.onnxFileHash,
      compilerVersion: c.compilerVersion,
    },
    commitment: c.commitment,
  };
}
