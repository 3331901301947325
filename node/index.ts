// The node library, `require("referee/node")`: what the CLI and scripts/ are built from, for
// programs that compile, run, commit to or deploy models themselves. This file is the stable
// surface; deeper paths under dist/ are internal and may move. Nothing here loads
// onnxruntime-node (the optional float reference) or Hardhat.

export { RefereeError, UnsupportedOpsError } from "./errors";
export type { RefereeErrorCode } from "./errors";

// Compile an ONNX model (or a pipeline manifest of several) to a Referee program.
export { compileModel, inspectModel } from "./compiler/compile";
export type { CompileOptions, CompiledModel, IndexCheck, ModelInfo, TensorInfo } from "./compiler/api";
export { compilePipeline } from "./compiler/pipeline/link";
export type { FileReader } from "./compiler/pipeline/link";
export { inspectPipeline } from "./compiler/pipeline/inspect";
export { canonicalManifest, parseManifest, pipelineHash } from "./compiler/pipeline/manifest";
export type { PipelineManifest } from "./compiler/pipeline/manifest";
export type { Program, SlotRef, TensorSpec } from "./program/isa";

// Execute a program: the halted memory, or only the slots asked for; outputs read from memory.
export { execute, executeSlots } from "./vm/execute";
export type { ExecuteOptions } from "./vm/execute";
export { slotOf } from "./vm/memory";
export type { Memory } from "./vm/memory";
export { programSteps } from "./vm/layout";
export { describeBadIndex, firstBadIndex } from "./vm/index-checks";

// Inputs and outputs in the CLI's file formats.
export { encodeBin, parseBinInputs, parseJsonInputs, readInputFile, validateInput } from "./io/inputs";
export type { InputSpec } from "./io/inputs";
export { randomInputs } from "./io/random";
export { tensorToJson, writeTensors } from "./io/outputs";
export type { NamedTensor } from "./io/outputs";

// Commitments (docs/PROTOCOL.md §3-4): the whole module as `commit`, the entry points flat.
export * as commit from "./commit";
export { closeHashPool, initHasher, keccak256Hex, modelCommitment, toHex, TraceCommitter } from "./commit";

// Encodings for the chain: request inputs and outputs as binary32 bytes, registry parts, claims.
export { claimOf, commitmentOf, f32Bytes, f32Values, modelPartsOf } from "./chain/encoding";
export type { ClaimData, ModelPartsStruct } from "./chain/encoding";
export { CallbackStatus, ClaimStatus, GameStatus, RequestStatus, statusName } from "./chain/status";

// Deploying the protocol, or attaching to a recorded deployment.
export {
  connectDeployment,
  DEPLOY_DEFAULTS,
  deployReferee,
  protocolInterfaces,
  readDeployment,
  recordOf,
  writeDeployment,
} from "./chain/deploy";
export type { Deployment, DeploymentRecord, DeployOptions } from "./chain/deploy";

// Agents: a registered model's runs, and the operator and challenger loops.
export { ModelRun } from "./agents/model-run";
export type { ModelRunOptions } from "./agents/model-run";
export { Operator } from "./agents/operator";
export type { OperatorOptions } from "./agents/operator";
export { Challenger } from "./agents/challenger";
export type { ChallengerOptions } from "./agents/challenger";
export { humanLog, jsonLog } from "./agents/log";
export type { Log } from "./agents/log";
