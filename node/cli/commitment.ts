// The CLI's view of node/commit: the model commitment with its parts, and state hashes of a
// finished run. Kept behind this small interface so commands do not depend on how the trees
// are built.
import type { CompiledModel } from "../compiler/api";
import type { Program } from "../compiler/program";
import { RefereeError } from "../errors";
import type { Memory, Pc } from "../vm/memory";

export interface CommitmentParts {
  modelCommitment: string;
  programRoot: string;
  weightsRoot: string;
  initialActivationsRoot: string;
  steps: number;
  inputSpecsHash: string;
  outputSpecsHash: string;
  onnxFileHash: string;
  compilerVersion: number;
}

export interface StateAt {
  step: number;
  pc: Pc;
  acc: number;
  hash: string;
}

export interface RunCommitment {
  inputsRoot: string;
  finalStateHash: string;
  stateAt(step: number): StateAt;
}

export async function modelCommitment(_compiled: CompiledModel): Promise<CommitmentParts> {
  throw new RefereeError("INTERNAL", "model commitments are not available yet (node/commit)");
}

export async function runCommitment(_program: Program, _memory: Memory): Promise<RunCommitment> {
  throw new RefereeError("INTERNAL", "state hashes are not available yet (node/commit)");
}
