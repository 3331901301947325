// Log reading in bounded ranges and the per-pass cursor (node/chain/logs.ts), with a scripted
// chain height and a query that records the ranges it was asked for.
import { expect } from "chai";
import type { Provider } from "ethers";
import { EventCursor, REORG_OVERLAP_BLOCKS, latestLogs, logsInRange } from "../node/chain/logs";

describe("chain: event logs in ranges, and the cursor of new logs", () => {
  it("splits [from, to] into ranges of at most the limit, in order, covering every block once", async () => {
    const asked: [number, number][] = [];
    const logs = await logsInRange(
      async (a, b) => {
        asked.push([a, b]);
        return [a];
      },
      5,
      31,
      10,
    );
    expect(asked).to.deep.equal([
      [5, 14],
      [15, 24],
      [25, 31],
    ]);
    expect(logs).to.deep.equal([5, 15, 25]);
  });

  it("the cursor reads from the deployment block first, then only new blocks plus the reorg overlap", async () => {
    let height = 100;
    const provider = { getBlockNumber: async () => height } as unknown as Provider;
    const asked: [number, number][] = [];
    const cursor = new EventCursor(
      provider,
      async (a, b) => {
        asked.push([a, b]);
        return [];
      },
      40,
    );
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
    const cursor = new EventCursor(
      provider,
      async (a, b) => {
        asked.push([a, b]);
        return [];
      },
      2,
    );
    await cursor.next();
    await cursor.next();
    expect(asked).to.deep.equal([
      [2, 3],
      [2, 3],
    ]);
  });

  it("latestLogs scans back from the latest block and stops at the first range with logs", async () => {
    const provider = { getBlockNumber: async () => 95 } as unknown as Provider;
    const eventsAt = [12, 37, 41];
    const asked: [number, number][] = [];
    const query = async (a: number, b: number) => {
      asked.push([a, b]);
      return eventsAt.filter((x) => x >= a && x <= b);
    };
    expect(await latestLogs(provider, query, 5, 10), "every log of that range").to.deep.equal([37, 41]);
    expect(asked).to.deep.equal([
      [86, 95],
      [76, 85],
      [66, 75],
      [56, 65],
      [46, 55],
      [36, 45],
    ]);
    asked.length = 0;
    expect(await latestLogs(provider, async (a, b) => (asked.push([a, b]), []), 80, 10)).to.deep.equal([]);
    expect(asked, "never below the lowest block").to.deep.equal([
      [86, 95],
      [80, 85],
    ]);
  });
});
