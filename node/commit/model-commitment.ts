// Tensor spec lists and the model commitment (docs/PROTOCOL.md §3.5).
import { Program, TensorSpec, totalSteps } from "../program/isa";
import { ByteWriter } from "./bytes";
import { MODEL_COMMITMENT, TENSOR_SPECS } from "./domains";
import { Bytes32, fromHex, keccak256, toHex } from "./keccak";
import { SpaceTrees, initialActivationsRoot } from "./memory-root";
import { ProgramTree, writeSpecList } from "./program-root";

/** H(0x08 ‖ u32 count ‖ per spec: u8 space ‖ u32 slotIndex ‖ u8 #dims ‖ u32 dims[] ‖ u16 nameLength ‖ name). */
export function specListHash(specs: readonly TensorSpec[]): Bytes32 {
  const w = new ByteWriter(128).u8(TENSOR_SPECS);
  writeSpecList(w, specs);
  return keccak256(w.finish());
}

/** onnxFileHash = H(file bytes). */
export function onnxFileHash(fileBytes: Uint8Array): Bytes32 {
  return keccak256(fileBytes);
}

/** Every part of a model commitment, hashes as 0x-prefixed hex. */
export interface ModelCommitment {
  programRoot: string;
  weightsRoot: string;
  initialActivationsRoot: string;
  /** Total steps: the halted state is state N. */
  N: number;
  inputSpecsHash: string;
  outputSpecsHash: string;
  onnxFileHash: string;
  /** The program's version (COMPILER_VERSION of the compiler that built it). */
  compilerVersion: number;
  commitment: string;
}

export interface ModelCommitmentOptions {
  /** Already built weight trees (they take ≈ #weights/8 hashes), e.g. from a TraceCommitter. */
  weights?: SpaceTrees;
  /** Already built program tree. */
  programTree?: ProgramTree;
}

/**
 * modelCommitment = H(0x07 ‖ programRoot ‖ weightsRoot ‖ initialActivationsRoot ‖ u64 N
 *                     ‖ inputSpecsHash ‖ outputSpecsHash ‖ onnxFileHash ‖ u32 compilerVersion).
 * `onnxHash` is H(file bytes), as bytes or hex (CompiledModel.onnxHash).
 */
export function modelCommitment(
  program: Program,
  onnxHash: Uint8Array | string,
  options: ModelCommitmentOptions = {},
): ModelCommitment {
  const fileHash = typeof onnxHash === "string" ? fromHex(onnxHash) : onnxHash;
  if (fileHash.length !== 32) throw new RangeError("onnx file hash must be 32 bytes");
  const programRoot = (options.programTree ?? ProgramTree.build(program)).root;
  const weightsRoot = (options.weights ?? SpaceTrees.build(program.weights.map((w) => w.data))).root();
  const actRoot = initialActivationsRoot(program);
  const N = totalSteps(program);
  const inHash = specListHash(program.inputs);
  const outHash = specListHash(program.outputs);
  const bytes = new ByteWriter(256)
    .u8(MODEL_COMMITMENT)
    .bytes(programRoot)
    .bytes(weightsRoot)
    .bytes(actRoot)
    .u64(N, "N")
    .bytes(inHash)
    .bytes(outHash)
    .bytes(fileHash)
    .u32(program.version, "compilerVersion")
    .finish();
  return {
    programRoot: toHex(programRoot),
    weightsRoot: toHex(weightsRoot),
    initialActivationsRoot: toHex(actRoot),
    N,
    inputSpecsHash: toHex(inHash),
    outputSpecsHash: toHex(outHash),
    onnxFileHash: toHex(fileHash),
    compilerVersion: program.version,
    commitment: toHex(keccak256(bytes)),
  };
}
