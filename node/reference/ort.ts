// onnxruntime-node as the fidelity reference: Referee's outputs are compared with its float
// outputs (docs/PROTOCOL.md: bit equality with onnxruntime is not a goal, closeness is).
// onnxruntime-node is an optional dependency (a native package of ~250 MB that only the
// reference needs): it loads on first use, and a missing one is a one-line error.
import type * as Ort from "onnxruntime-node";
import { RefereeError } from "../errors";

/** The onnxruntime-node version the reference is tested with (package.json's devDependency). */
export const ORT_PACKAGE = "onnxruntime-node@1.23.2";

let loaded: typeof Ort | undefined;

/** onnxruntime-node, or a RefereeError saying how to install it. */
export function onnxruntime(): typeof Ort {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: loaded on use
      loaded = require("onnxruntime-node") as typeof Ort;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "MODULE_NOT_FOUND" && err.message.includes("'onnxruntime-node'"))
        throw new RefereeError(
          "USAGE",
          `onnxruntime-node is not installed (optional: referee compare, bench and generate --compare need it): npm install ${ORT_PACKAGE}`,
          e,
        );
      throw e;
    }
  }
  return loaded;
}

export interface RefTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OrtOptions {
  /** Threads for intra-op parallelism (default 1: a fair single-thread comparison). */
  intraOpThreads?: number;
  /** Threads for inter-op parallelism (default 1). */
  interOpThreads?: number;
}

type OrtData =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array;

/** Build an ORT tensor of the model's declared input type from float32 values. */
function toOrtTensor(type: string, data: Float32Array, dims: readonly number[]): Ort.Tensor {
  const ort = onnxruntime();
  const d = [...dims];
  switch (type) {
    case "float32":
      return new ort.Tensor("float32", data, d);
    case "float64":
      return new ort.Tensor("float64", Float64Array.from(data), d);
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(data, (v) => BigInt(Math.trunc(v))),
        d,
      );
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(data), d);
    case "bool":
      return new ort.Tensor(
        "bool",
        Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0)),
        d,
      );
    default:
      throw new RefereeError("INPUT", `onnxruntime reference: input type ${type} is not supported`);
  }
}

function toFloat32(t: Ort.Tensor): Float32Array {
  const data = t.data as OrtData | string[];
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v));
  if (Array.isArray(data))
    throw new RefereeError("INPUT", `onnxruntime reference: ${t.type} outputs are not supported`);
  return Float32Array.from(data);
}

/** One onnxruntime-node session on a model; reusable across runs. */
export class OrtRunner {
  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly inputTypes: Map<string, string>,
  ) {}

  static async create(model: Uint8Array | string, options: OrtOptions = {}): Promise<OrtRunner> {
    const ort = onnxruntime();
    const opts: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: options.interOpThreads ?? 1,
      executionProviders: ["cpu"],
      logSeverityLevel: 3, // errors only: ORT's warnings would garble CLI output
    };
    let session: Ort.InferenceSession;
    try {
      session =
        typeof model === "string"
          ? await ort.InferenceSession.create(model, opts)
          : await ort.InferenceSession.create(model, opts);
    } catch (e) {
      throw new RefereeError("ONNX_INVALID", `onnxruntime could not load the model: ${firstLine(e)}`, e);
    }
    const types = new Map<string, string>();
    for (const m of session.inputMetadata) types.set(m.name, m.isTensor ? m.type : "non-tensor");
    return new OrtRunner(session, types);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Run on named float32 inputs (converted to each input's declared type) and return every
   * output as float32, in the model's output order.
   */
  async run(inputs: readonly RefTensor[]): Promise<RefTensor[]> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const t of inputs) {
      const type = this.inputTypes.get(t.name);
      if (type === undefined)
        throw new RefereeError("INPUT", `onnxruntime reference: the model has no input '${t.name}'`);
      feeds[t.name] = toOrtTensor(type, t.data, t.dims);
    }
    let results: Ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds);
    } catch (e) {
      throw new RefereeError("INTERNAL", `onnxruntime failed: ${firstLine(e)}`, e);
    }
    return this.session.outputNames.map((name) => {
      const t = results[name];
      return { name, dims: t.dims.map(Number), data: toFloat32(t) };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0];
}

/** One-shot convenience: load, run once, release. */
export async function runOrt(
  model: Uint8Array | string,
  inputs: readonly RefTensor[],
  options?: OrtOptions,
): Promise<RefTensor[]> {
  const runner = await OrtRunner.create(model, options);
  try {
    return await runner.run(inputs);
  } finally {
    await runner.release();
  }
}
