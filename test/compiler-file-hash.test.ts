// The file hash (onnxHash) is the same whichever keccak computes it: the CLI passes the
// commitments' WebAssembly keccak (CompileOptions.hash), the compiler defaults to ethers'.
import { expect } from "chai";
import { readFileSync } from "fs";
import { keccak256 as ethersKeccak } from "ethers";
import { compileModel } from "../node/compiler/compile";
import { initHasher, keccak256, toHex } from "../node/commit/keccak";
import { HELLO_DEEPA } from "./helpers/models";

describe("compiler file hash", () => {
  before(initHasher);

  it("the WebAssembly keccak gives the compiler's default onnxHash", () => {
    const bytes = readFileSync(HELLO_DEEPA);
    let calls = 0;
    const wasm = compileModel(bytes, {
      hash: (b) => {
        calls++;
        return toHex(keccak256(b));
      },
    });
    expect(calls).to.equal(1);
    expect(wasm.onnxHash).to.equal(compileModel(bytes).onnxHash);
    expect(wasm.onnxHash).to.equal(ethersKeccak(bytes));
  });
});
