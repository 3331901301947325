// The `referee` CLI end to end. The main paths run as a user runs them (bin/referee.js in a
// child process); the many error cases call the same main() in-process, which starts in
// milliseconds instead of seconds.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onnx } from "onnx-proto";
import { encodeBin } from "../node/io/inputs";
import { encodeNpy } from "../node/io/npy";
import { randomInputs } from "../node/io/random";
import { lastJson, referee } from "./helpers/cli";
import { HELLO_DEEPA, OCR_CLS } from "./helpers/models";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "bin", "referee.js");
const HELLO = HELLO_DEEPA;
const OCR = OCR_CLS;
const HELLO_DIMS = [1, 25, 96];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** bin/referee.js in a child process. */
function spawnReferee(...args: string[]): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failed command: non-zero exit, exactly one line on stderr starting "referee: error:", no stack. */
function expectOneLineError(r: Result, pattern: RegExp, code = 1): void {
  expect(r.code, r.stderr).to.equal(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^referee: error: /);
  expect(lines[0]).to.match(pattern);
  expect(r.stderr).to.not.match(/\n\s+at /);
}

/** A tiny valid ONNX model (2x2 input) whose graph uses the given op types in a chain. */
function modelWithOps(ops: string[]): Uint8Array {
  const tensor = (name: string) => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: 2 }] } },
    },
  });
  const names = ["x", ...ops.map((_, i) => `t${i}`)];
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      node: ops.map((op, i) => ({ opType: op, name: `n${i}`, input: [names[i]], output: [names[i + 1]] })),
      input: [tensor("x")],
      output: [tensor(names[names.length - 1])],
    },
  }).finish();
}

describe("cli: referee end to end", function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-cli-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("help", () => {
    const ALL_COMMANDS = [
      "model inspect",
      "model commit",
      "run",
      "compare",
      "prove-step",
      "deploy",
      "register",
      "faucet",
      "operator",
      "challenger",
      "request",
      "status",
      "refund",
      "retry-callback",
      "withdraw",
      "unstake",
    ];
    it("referee --help lists the commands (child process)", () => {
      const top = spawnReferee("--help");
      expect(top.code).to.equal(0);
      for (const c of ALL_COMMANDS) expect(top.stdout).to.contain(`referee ${c}`);
    });

    it("each command has --help", async () => {
      for (const c of ALL_COMMANDS) {
        const h = await referee(...c.split(" "), "--help");
        expect(h.code, c).to.equal(0);
        expect(h.stdout).to.match(new RegExp(`^usage: referee ${c}`));
      }
      expect((await referee("model", "--help")).stdout).to.contain("referee model commit");
      expect((await referee("--version")).stdout).to.match(/^referee \d+\.\d+\.\d+/);
    });
  });

  describe("model inspect", () => {
    it("prints inputs, outputs, op counts and no unsupported ops (child process)", () => {
      const r = spawnReferee("model", "inspect", HELLO);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(r.stdout).to.match(/onnx::Flatten_0\s+float32\s+1x25x96/);
      expect(r.stdout).to.match(/Gemm\s+3/);
      expect(r.stdout).to.match(/unsupported\s+none/);
    });

    it("--json gives the model info", async () => {
      const info = lastJson(await referee("model", "inspect", HELLO, "--json"));
      expect(info.inputs).to.deep.equal([{ name: "onnx::Flatten_0", elemType: "float32", dims: HELLO_DIMS }]);
      expect(info.unsupported).to.deep.equal([]);
      expect((info.opCounts as Record<string, number>).Gemm).to.equal(3);
      const proof = (info.compile as { heaviestProof: { tokens: number; floorGas: number; calldataBytes: number } })
        .heaviestProof;
      expect(proof.floorGas).to.equal(21_000 + 10 * proof.tokens);
      expect(proof.calldataBytes).to.be.within(1000, 4000);
    });

    it("runs the compiler: says a model whose ops all lower still fails to compile, and why", async () => {
      const ok = await referee("model", "inspect", HELLO);
      expect(ok.stdout).to.match(/compile\s+ok: \d+ instructions, [\d,]+ steps/);
      // The heaviest one-step proof, bounded from the program (node/commit/proof-size.ts).
      expect(ok.stdout).to.match(
        /one-step proof at most [\d,]+ calldata bytes, EIP-7623 floor ≤ [\d,]+ gas \(instruction \d+, (Dot|Map|Reduce|Move) (accumulate|write)\)/,
      );
      // Every op type lowers, but a float16 input does not compile: inspect must say so.
      const file = path.join(dir, "half.onnx");
      const bytes = onnx.ModelProto.decode(modelWithOps(["Relu"]));
      bytes.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.FLOAT16;
      fs.writeFileSync(file, onnx.ModelProto.encode(bytes).finish());
      const r = await referee("model", "inspect", file);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/unsupported\s+none/);
      expect(r.stdout).not.to.match(/every op can be compiled/);
      expect(r.stdout).to.match(/compile\s+fails: input 'x' has element type float16/);
      const info = lastJson(await referee("model", "inspect", file, "--json"));
      expect((info.compile as { status: string }).status).to.equal("fails");
    });

    it("names every unsupported op without failing", async () => {
      const file = path.join(dir, "unsupported.onnx");
      fs.writeFileSync(file, modelWithOps(["Relu", "NoSuchOpA", "NoSuchOpB"]));
      const r = await referee("model", "inspect", file);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/unsupported\s+2 op types: NoSuchOpA, NoSuchOpB/);
    });
  });

  describe("model commit", () => {
    it("--json gives the commitment, its parts and program statistics", async () => {
      const c = lastJson(await referee("model", "commit", HELLO, "--json"));
      for (const k of [
        "modelCommitment",
        "programRoot",
        "weightsRoot",
        "initialActivationsRoot",
        "inputSpecsHash",
        "outputSpecsHash",
        "onnxFileHash",
      ]) {
        expect(c[k], k).to.match(/^0x[0-9a-f]{64}$/);
      }
      const program = c.program as { steps: number; instructions: number; instructionsByKind: Record<string, number> };
      expect(c.steps).to.equal(program.steps);
      expect(program.steps).to.be.greaterThan(0);
      expect(Object.values(program.instructionsByKind).reduce((a, b) => a + b, 0)).to.equal(program.instructions);
      expect(c.compilerVersion).to.be.a("number");
      // Deterministic: the same file and shapes give the same commitment.
      expect(lastJson(await referee("model", "commit", HELLO, "--json")).modelCommitment).to.equal(c.modelCommitment);
      const text = await referee("model", "commit", HELLO);
      expect(text.stdout).to.contain(`model commitment          ${String(c.modelCommitment)}`);
    });
  });

  describe("run", () => {
    let seeded: Record<string, unknown>;

    it("--json gives outputs, the final state hash, states at chosen steps and timings (child process)", () => {
      const r = spawnReferee("run", HELLO, "--random-seed", "1", "--state-at", "0", "--state-at", "1000", "--json");
      expect(r.code, r.stderr).to.equal(0);
      seeded = lastJson(r);
      expect(seeded.finalStateHash).to.match(/^0x[0-9a-f]{64}$/);
      const outputs = seeded.outputs as { name: string; dims: number[]; first: number[]; argmax: number[] }[];
      expect(outputs).to.have.length(1);
      expect(outputs[0].dims).to.deep.equal([1, 1]);
      expect(outputs[0].first[0]).to.be.within(0, 1); // a sigmoid
      const states = seeded.stateAt as { step: number; hash: string }[];
      expect(states.map((s) => s.step)).to.deep.equal([0, 1000]);
      expect(states[0].hash).to.not.equal(states[1].hash);
      const t = seeded.timings as Record<string, number>;
      for (const k of ["compileMs", "executeMs", "commitMs"]) expect(t[k]).to.be.a("number");
    });

    it("reads int64 token ids from .npy and a bool mask from JSON; refuses 2^24 + 1 naming input and element", async () => {
      const model = path.join(ROOT, "test", "fixtures", "token_mlp.onnx");
      const ids = [3, 17, 49, 0, 22, 8, 41, 5];
      const h = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 8), }";
      const header = h + " ".repeat(64 - ((10 + h.length + 1) % 64)) + "\n";
      const npy = Buffer.alloc(10 + header.length + 64);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(npy);
      npy.writeUInt16LE(header.length, 8);
      npy.write(header, 10, "latin1");
      ids.forEach((v, i) => npy.writeBigInt64LE(BigInt(v), 10 + header.length + 8 * i));
      fs.writeFileSync(path.join(dir, "tokens.npy"), npy);
      fs.writeFileSync(path.join(dir, "mask.json"), "[[true, true, true, false, true, true, true, true]]");
      fs.writeFileSync(
        path.join(dir, "both.json"),
        JSON.stringify({ tokens: [ids], mask: [[1, 1, 1, 0, 1, 1, 1, 1]] }),
      );
      const a = lastJson(
        await referee(
          "run",
          model,
          "--input",
          `tokens=${path.join(dir, "tokens.npy")}`,
          "--input",
          `mask=${path.join(dir, "mask.json")}`,
          "--json",
        ),
      );
      const b = lastJson(await referee("run", model, "--input", path.join(dir, "both.json"), "--json"));
      expect(a.finalStateHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(a.finalStateHash).to.equal(b.finalStateHash);
      fs.writeFileSync(
        path.join(dir, "big.json"),
        JSON.stringify({ tokens: [[1, 16777217, 0, 0, 0, 0, 0, 0]], mask: [[1, 1, 1, 1, 1, 1, 1, 1]] }),
      );
      expectOneLineError(
        await referee("run", model, "--input", path.join(dir, "big.json")),
        /input 'tokens' \(int64\) element 1 is 16777217/,
      );
    });

    it("gives the same final state in-process and for the same input in every file format", async () => {
      expect(lastJson(await referee("run", HELLO, "--random-seed", "1", "--json")).finalStateHash).to.equal(
        seeded.finalStateHash,
      );
      const [x] = randomInputs([{ name: "x", dims: HELLO_DIMS }], 1);
      fs.writeFileSync(path.join(dir, "x.npy"), encodeNpy(x, HELLO_DIMS));
      fs.writeFileSync(path.join(dir, "x.bin"), encodeBin(x));
      for (const f of ["x.npy", "x.bin"]) {
        const r = lastJson(await referee("run", HELLO, "--input", path.join(dir, f), "--json"));
        expect(r.finalStateHash, f).to.equal(seeded.finalStateHash);
      }
      const other = lastJson(await referee("run", HELLO, "--random-seed", "2", "--json"));
      expect(other.finalStateHash).to.not.equal(seeded.finalStateHash);
    });

    it("writes the outputs with --output; prints a text summary", async () => {
      const out = path.join(dir, "out.json");
      const r = await referee("run", HELLO, "--random-seed", "1", "--output", out);
      expect(r.code, r.stderr).to.equal(0);
      const written = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, number[][]>;
      // The file holds the shortest decimal of the binary32 value.
      expect(Math.fround(written["39"][0][0])).to.equal((seeded.outputs as { first: number[] }[])[0].first[0]);
      expect(r.stdout).to.contain(`final state    ${String(seeded.finalStateHash)}`);
      expect(r.stdout).to.match(/timings\s+compile .* execute .* commit /);
    });
  });

  describe("compare", () => {
    it("--json --count 3: the last line is one JSON object with the error metrics (child process)", () => {
      const r = spawnReferee("compare", HELLO, "--random-seed", "1", "--count", "3", "--json");
      expect(r.code, r.stderr).to.equal(0);
      const c = lastJson(r);
      expect(c.runs).to.equal(3);
      const [o] = c.outputs as {
        name: string;
        maxAbsError: number;
        maxRelError: number;
        argmaxAgreement: number;
        argmaxRows: number;
      }[];
      expect(o.name).to.equal("39");
      expect(o.maxAbsError).to.be.below(1e-3);
      expect(o.maxRelError).to.be.below(1e-2);
      expect(o.argmaxAgreement).to.equal(1);
      expect(o.argmaxRows).to.equal(3);
      expect(c.maxAbsError).to.equal(o.maxAbsError);
    });
  });

  describe("errors: one line on stderr, non-zero exit, no stack trace", () => {
    it("NaN input (child process)", () => {
      const x = new Float32Array(2400);
      x[17] = NaN;
      fs.writeFileSync(path.join(dir, "nan.bin"), encodeBin(x));
      expectOneLineError(
        spawnReferee("run", HELLO, "--input", path.join(dir, "nan.bin")),
        /input 'onnx::Flatten_0' element 17 is NaN: Referee refuses NaN inputs/,
      );
    });

    it("usage error exits with 2 (child process)", () => {
      expectOneLineError(
        spawnReferee("run", HELLO, "--random-seed", "1", "--frobnicate"),
        /unknown option '--frobnicate'/,
        2,
      );
    });

    it("malformed model file", async () => {
      const file = path.join(dir, "random.onnx");
      fs.writeFileSync(
        file,
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff)),
      );
      expectOneLineError(await referee("model", "inspect", file), /not a valid ONNX file/);
      expectOneLineError(await referee("run", file, "--random-seed", "1"), /not a valid ONNX file/);
    });

    it("missing model file", async () => {
      expectOneLineError(
        await referee("model", "commit", path.join(dir, "absent.onnx")),
        /cannot read model file .*no such file/,
        2,
      );
    });

    it("unsupported ops, all listed", async () => {
      const file = path.join(dir, "unsupported.onnx");
      fs.writeFileSync(file, modelWithOps(["Relu", "NoSuchOpA", "NoSuchOpB"]));
      expectOneLineError(
        await referee("run", file, "--random-seed", "1"),
        /unsupported ONNX ops: NoSuchOpA, NoSuchOpB/,
      );
      expectOneLineError(await referee("model", "commit", file), /unsupported ONNX ops: NoSuchOpA, NoSuchOpB/);
    });

    it("wrong input size", async () => {
      const file = path.join(dir, "short.json");
      fs.writeFileSync(file, "[1, 2, 3]");
      expectOneLineError(
        await referee("run", HELLO, "--input", file),
        /input 'onnx::Flatten_0' has 3 elements, expected 2400 \(dims 1x25x96\)/,
      );
      fs.writeFileSync(path.join(dir, "short.bin"), encodeBin(new Float32Array(10)));
      expectOneLineError(
        await referee("compare", HELLO, "--input", path.join(dir, "short.bin")),
        /is 40 bytes .* expected 9600 bytes/,
      );
      fs.writeFileSync(path.join(dir, "wrong.npy"), encodeNpy(new Float32Array(2400), [25, 96]));
      expectOneLineError(
        await referee("run", HELLO, "--input", path.join(dir, "wrong.npy")),
        /has shape 25x96, expected 1x25x96/,
      );
    });

    it("NaN input in JSON", async () => {
      fs.writeFileSync(
        path.join(dir, "nan.json"),
        `[${Array.from({ length: 2400 }, (_, i) => (i === 5 ? "NaN" : "0.5")).join(",")}]`,
      );
      expectOneLineError(
        await referee("compare", HELLO, "--input", path.join(dir, "nan.json")),
        /element 5 is NaN: Referee refuses NaN inputs/,
      );
    });

    it("missing --shape for a dynamic dim; a wrong --shape", async () => {
      expectOneLineError(await referee("model", "commit", OCR), /dynamic dims.*--shape x=/);
      expectOneLineError(
        await referee("model", "commit", OCR, "--shape", "y=1x3x48x192"),
        /'y', which is not an input/,
      );
    });

    it("usage errors exit with 2", async () => {
      expectOneLineError(await referee("run", HELLO), /--input <file> or --random-seed <n>/, 2);
      expectOneLineError(await referee("frobnicate"), /unknown command 'frobnicate'/, 2);
      expectOneLineError(await referee("model", "frob", HELLO), /unknown command 'referee model frob'/, 2);
      expectOneLineError(
        await referee("run", HELLO, "--random-seed", "1", "--state-at", "999999999999"),
        /beyond the last step/,
        2,
      );
      expectOneLineError(
        await referee("compare", HELLO, "--input", "x.json", "--count", "2"),
        /--count needs --random-seed/,
        2,
      );
      expectOneLineError(
        await referee("run", HELLO, "--random-seed", "1", "--random-dist", "cauchy"),
        /--random-dist must be one of/,
        2,
      );
      expectOneLineError(
        await referee("run", HELLO, "--random-seed", "1", "--input", "x.json"),
        /either --input or --random-seed/,
        2,
      ); // The operator's load-test option is checked before any chain work (no node here).
      for (const [args, pattern] of [
        [["--cheat-rate", "1.5"], /--cheat-rate expects a fraction between 0 and 1, got '1.5'/],
        [["--cheat-rate", "-0.1"], /--cheat-rate expects a fraction between 0 and 1, got '-0.1'/],
        [["--cheat-rate", "lots"], /--cheat-rate expects a fraction between 0 and 1, got 'lots'/],
        [["--cheat-seed", "3"], /--cheat-seed goes with --cheat-rate/],
        [["--cheat-rate", "0.1", "--cheat-at", "5"], /--cheat-at and --cheat-rate exclude each other/],
        [["--cheat-rate", "0.1", "--cheat-seed", "x"], /--cheat-seed expects a non-negative integer, got 'x'/],
        [
          ["--min-fee-per-gas", "-1"],
          /--min-fee-per-gas expects token units per gas \(a decimal such as 0.5\), got '-1'/,
        ],
        [["--min-fee-per-gas", "1e-3"], /--min-fee-per-gas expects token units per gas .*, got '1e-3'/],
      ] as const)
        expectOneLineError(await referee("operator", HELLO, ...args), pattern, 2);
      expect((await referee("operator", "--help")).stdout).to.match(/--cheat-rate <p>\s+LOAD TESTS:/);
    });

    it("--verbose adds the stack trace", async () => {
      const r = await referee("run", HELLO, "--input", path.join(dir, "nan.bin"), "--verbose");
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^referee: error: input 'onnx::Flatten_0' element 17 is NaN/);
      expect(r.stderr).to.match(/\n\s+at /);
    });
  });
});
