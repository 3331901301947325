// What a dApp must know about a registered model to build a request and read its result:
// each input's name, dims and element type, each output's name and dims. The registry keeps
// only value counts and the hashes of the spec lists (PROTOCOL.md §3.5); the names and dims
// are in the `register` call that first stored the model, so they are read from there and
// checked against those hashes. Element types are in no commitment: only a compiled model
// (the dApp's own copy of the program) knows them.
import { keccak256 } from "ethers";
import type { Provider } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import { ByteWriter } from "../commit/bytes";
import { TENSOR_SPECS } from "../commit/domains";
import { writeSpecList } from "../commit/program-root";
import { latestLogs } from "../chain/logs";
import { withRetry } from "../chain/retry";
import { RefereeError } from "../errors";
import type { InputSpec } from "../io/inputs";
import type { TensorSpec } from "../program/isa";

/** One model output: its values are `product(dims)` binary32 values of the result (§5.2). */
export interface OutputSpec {
  name: string;
  dims: readonly number[];
}

/** Where a ModelSpec's names, dims and types came from. */
export type SpecSource =
  /** The dApp's compiled program: names, dims and element types, checked against the registry's hashes. */
  | "compiled"
  /** The `register` call that stored the model, checked against the registry's hashes: no element types. */
  | "registration"
  /** Value counts only (the model was registered through another contract): inputs and outputs are flat and unnamed. */
  | "counts";

export interface ModelSpec {
  modelId: string;
  /** N, the program's step count: what the fee is priced on. */
  steps: bigint;
  /** In request order; `elemType` absent means float32 when `source` is "compiled", unknown otherwise. */
  inputs: readonly InputSpec[];
  outputs: readonly OutputSpec[];
  source: SpecSource;
}

/** A compiled model's graph interface: `compileModel(...).program` has these fields. */
export interface ProgramInterface {
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}

/** H(0x08 ‖ spec list) as the registry computes it (§3.5); ethers' keccak needs no WASM start-up. */
export function specListHashHex(specs: readonly TensorSpec[]): string {
  const w = new ByteWriter(128).u8(TENSOR_SPECS);
  writeSpecList(w, specs);
  return keccak256(w.finish());
}

interface StoredModel {
  steps: bigint;
  inputLengths: readonly bigint[];
  outputs: readonly { valueCount: bigint }[];
  inputSpecsHash: string;
  outputSpecsHash: string;
}

async function storedModel(registry: ModelRegistry, modelId: string): Promise<StoredModel> {
  if (!(await withRetry(() => registry.isRegistered(modelId))))
    throw new RefereeError("USAGE", `model ${modelId} is not registered in this deployment's registry`);
  return withRetry(() => registry.getModel(modelId));
}

const sameHash = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The spec of a model the dApp compiled itself, refused unless it is the registered model's interface. */
export async function compiledModelSpec(
  registry: ModelRegistry,
  modelId: string,
  program: ProgramInterface,
): Promise<ModelSpec> {
  const m = await storedModel(registry, modelId);
  if (!sameHash(specListHashHex(program.inputs), m.inputSpecsHash))
    throw new RefereeError("USAGE", `the compiled model's inputs are not those of registered model ${modelId}`);
  if (!sameHash(specListHashHex(program.outputs), m.outputSpecsHash))
    throw new RefereeError("USAGE", `the compiled model's outputs are not those of registered model ${modelId}`);
  return {
    modelId,
    steps: m.steps,
    inputs: program.inputs.map((s) => ({ name: s.name, dims: [...s.dims], elemType: s.elemType })),
    outputs: program.outputs.map((s) => ({ name: s.name, dims: [...s.dims] })),
    source: "compiled",
  };
}

/** A spec list as the register call's ABI decodes it. */
interface AbiSpec {
  space: bigint;
  slotIndex: bigint;
  dims: readonly bigint[];
  name: string;
}

const toSpec = (s: AbiSpec): TensorSpec => ({
  name: s.name,
  dims: s.dims.map(Number),
  slot: { space: Number(s.space), index: Number(s.slotIndex) },
});

/** The spec lists of the `register` transaction that first stored `modelId`, or null when it was not a direct call. */
async function registeredSpecs(
  registry: ModelRegistry,
  provider: Provider,
  fromBlock: number,
  modelId: string,
): Promise<{ inputs: TensorSpec[]; outputs: TensorSpec[] } | null> {
  const [ev] = await latestLogs(
    provider,
    (a, b) => registry.queryFilter(registry.filters.ModelRegistered(modelId), a, b),
    fromBlock,
  );
  if (ev === undefined) return null;
  const tx = await withRetry(() => provider.getTransaction(ev.transactionHash));
  if (tx === null || tx.to === null || !sameHash(tx.to, await registry.getAddress())) return null;
  const call = registry.interface.parseTransaction({ data: tx.data });
  if (call?.name !== "register") return null;
  const parts = call.args[0] as unknown as { inputs: readonly AbiSpec[]; outputs: readonly AbiSpec[] };
  return { inputs: parts.inputs.map(toSpec), outputs: parts.outputs.map(toSpec) };
}

/** The spec of a registered model as the chain knows it (see SpecSource). */
export async function chainModelSpec(
  registry: ModelRegistry,
  provider: Provider,
  fromBlock: number,
  modelId: string,
): Promise<ModelSpec> {
  const m = await storedModel(registry, modelId);
  const reg = await registeredSpecs(registry, provider, fromBlock, modelId);
  if (
    reg !== null &&
    sameHash(specListHashHex(reg.inputs), m.inputSpecsHash) &&
    sameHash(specListHashHex(reg.outputs), m.outputSpecsHash)
  ) {
    return {
      modelId,
      steps: m.steps,
      inputs: reg.inputs.map((s) => ({ name: s.name, dims: s.dims })),
      outputs: reg.outputs.map((s) => ({ name: s.name, dims: s.dims })),
      source: "registration",
    };
  }
  return {
    modelId,
    steps: m.steps,
    inputs: m.inputLengths.map((n, i) => ({ name: `input${i}`, dims: [Number(n)] })),
    outputs: m.outputs.map((o, i) => ({ name: `output${i}`, dims: [Number(o.valueCount)] })),
    source: "counts",
  };
}
