// Log reading in bounded ranges and the per-pass cursor (node/chain/logs.ts), with a scripted
// chain height and a query that records the ranges it was asked for.
import { expect } from "chai";
import type { Provider } from "ethers";
import { EventCursor, REORG_OVERLAP_BLOCKS, logsInRange } from "../node/chain/logs";

describe("chain: event logs in ranges, and the cursor of new logs", () => {
  it("splits [from, to] into ranges of at most the limit, in order, covering every block once", async () => {
    const asked: [number, number][] = [];
    const logs = await logsInRange(async (a, b) => {
      asked.push([a, b]);
      return [a];
    }, 5, 31, 10);
    expect(asked).to.deep.equal([[5, 14], [15, 24], [25, 31]]);
    expect(logs).to.deep.equal([5, 15, 25]);
  });

  it("the cursor reads from the deployment block first, then only new blocks plus the reorg overlap", async () => {
    let height = 100;
    const provider = { getBlockNumber: async () => height } as unknown as Provider;
    const asked: [number, number][] = [];
    const cursor = new EventCursor(provider, async (a, b) => {
      asked.push([a, b]);
      return [];
    }, 40);
    await cursor.next();
    expect(asked).to.deep.equal([[40, 100]]);
    await cursor.next(); // no new block: the overlap is read again
    expect(asked[1]).to.deep.equal([101 - REORG_OVERLAP_BLOCKS, 100]);
    height = 130;
    await cursor.next();
    expect(asked[2]).to.deep.equal([101 - REORG_OVERLAP_BLOCKS, 130]);
  });

  it("the overlap never reaches below the deployment block", async () => {
    const provider = { getBlockNumber: async () => 3 } as unknown as Provider;
    const asked: [number, number][] = [];
    const cursor = new EventCursor(provider, async (a, b) => {
      asked.push([a, b]);
      return [];
    }, 2);
    await cursor.next();
    await cursor.next();
    expect(asked).to.deep.equal([[2, 3], [2, 3]]);
  });
});
