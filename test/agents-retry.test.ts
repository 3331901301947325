// node/chain/retry.ts: transient RPC failures are retried with backoff; reverts are not.
import { expect } from "chai";
import { makeError } from "ethers";
import { isTransient, withRetry } from "../node/chain/retry";

describe("agents: RPC retry with backoff", () => {
  it("retries transient errors with doubling delays, then returns", async () => {
    const delays: number[] = [];
    let calls = 0;
    const v = await withRetry(
      async () => {
        if (++calls < 4) throw makeError("down", "NETWORK_ERROR", { event: "test" });
        return 42;
      },
      { baseMs: 100, maxMs: 250, sleep: async (ms) => void delays.push(ms) },
    );
    expect(v).to.equal(42);
    expect(delays).to.deep.equal([100, 200, 250]);
  });

  it("gives up after the last retry, and never retries a revert", async () => {
    let calls = 0;
    const down = () =>
      withRetry(
        async () => {
          calls++;
          throw makeError("down", "SERVER_ERROR", { request: null as never });
        },
        { retries: 2, sleep: async () => undefined },
      );
    await down().then(
      () => expect.fail("resolved"),
      (e) => expect(isTransient(e)).to.equal(true),
    );
    expect(calls).to.equal(3);
    calls = 0;
    const revert = makeError("reverted", "CALL_EXCEPTION", {
      action: "call",
      data: "0x",
      reason: null,
      transaction: { to: null, data: "0x" },
      invocation: null,
      revert: null,
    });
    await withRetry(
      async () => {
        calls++;
        throw revert;
      },
      { sleep: async () => undefined },
    ).catch(() => undefined);
    expect(calls).to.equal(1);
  });
});
