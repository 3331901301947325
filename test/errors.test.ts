// One error base (node/errors.ts): the chain's and the witness verifier's errors are
// RefereeErrors with their own codes, the CLI still prints a named revert as one line, and
// programming errors stay RangeErrors (bugs, not user mistakes).
import { expect } from "chai";
import { RefereeError } from "../node/errors";
import { ChainError } from "../node/chain/errors";
import { WitnessError, decodeWitness } from "../node/commit";
import { asCliError } from "../node/cli/chain";

describe("errors: ChainError and WitnessError are RefereeErrors; RangeError stays for bugs", () => {
  it("a ChainError carries code CHAIN, its short message, the error name and the cause", () => {
    const cause = new Error("raw RPC error");
    const e = new ChainError("Coordinator_ClaimNotPending(7)", "Coordinator_ClaimNotPending", [7n], cause);
    expect(e).to.be.instanceOf(RefereeError);
    expect(e.code).to.equal("CHAIN");
    expect(e.message).to.equal("Coordinator_ClaimNotPending(7)");
    expect(e.name).to.equal("ChainError");
    expect(e.cause).to.equal(cause);
    expect(e.args).to.deep.equal([7n]);
  });

  it("the CLI prints a named revert as 'the contract refused: …', an unnamed one as its short message", () => {
    const named = asCliError(
      new ChainError("Staking_InsufficientFreeStake(1, 2)", "Staking_InsufficientFreeStake", [1n, 2n], null),
    );
    expect(named.code).to.equal("CHAIN");
    expect(named.message).to.equal("the contract refused: Staking_InsufficientFreeStake(1, 2)");
    const unnamed = asCliError(new ChainError("transaction 0xab not mined within 60 s", null, [], null));
    expect(unnamed.code).to.equal("CHAIN");
    expect(unnamed.message).to.equal("transaction 0xab not mined within 60 s");
    const usage = new RefereeError("USAGE", "give the step to prove: --step <s>");
    expect(asCliError(usage)).to.equal(usage);
  });

  it("a WitnessError carries code WITNESS and names the problem", () => {
    const e = new WitnessError("leaf proof does not match the slot root");
    expect(e).to.be.instanceOf(RefereeError);
    expect(e.code).to.equal("WITNESS");
    expect(e.message).to.equal("invalid witness: leaf proof does not match the slot root");
  });

  // decodeWitness takes bytes encodeWitness wrote: anything else is the caller's bug.
  it("bytes no encoder wrote are a RangeError for decodeWitness, not a RefereeError", () => {
    let thrown: unknown = null;
    try {
      decodeWitness(new Uint8Array(40));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(RangeError);
    expect(thrown).to.not.be.instanceOf(RefereeError);
    expect((thrown as Error).message).to.match(/truncated/);
  });
});
