// Staking: bonded → unbonding → withdrawn, locks by the coordinator, slashing of locked stake.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

const DELAY = 7 * 24 * 3600;

describe("Staking", function () {
  async function deployed() {
    const [admin, locker, op, other, recipient] = await ethers.getSigners();
    const token = await ethers.deployContract("TestToken");
    const staking = await ethers.deployContract("Staking", [token, DELAY, admin]);
    // The deployer wires the one protocol account (here `locker`) and keeps no power.
    await staking.wireProtocol(locker);
    for (const s of [op, other]) {
      await token.mint(s, 1_000_000n);
      await token.connect(s).approve(staking, ethers.MaxUint256);
    }
    return { token, staking, admin, locker, op, other, recipient };
  }

  async function staked() {
    const f = await deployed();
    await f.staking.connect(f.op).stake(1_000n);
    return f;
  }

  async function locked() {
    const f = await staked();
    await f.staking.connect(f.locker).lock(f.op, 600n);
    return f;
  }

  async function unbonding() {
    const f = await staked();
    await f.staking.connect(f.op).requestUnbond(300n);
    return f;
  }

  describe("constructor", () => {
    it("reverts on a zero token or wirer", async () => {
      const { staking, admin } = await loadFixture(deployed);
      const factory = await ethers.getContractFactory("Staking");
      await expect(factory.deploy(ethers.ZeroAddress, DELAY, admin)).to.be.revertedWithCustomError(
        staking,
        "Staking_ZeroAddress",
      );
      await expect(factory.deploy(await staking.TOKEN(), DELAY, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        staking,
        "Staking_ZeroAddress",
      );
    });
  });

  describe("wireProtocol", () => {
    it("grants both roles to the protocol, once, and leaves no admin", async () => {
      const { staking, admin, locker } = await loadFixture(deployed);
      expect(await staking.protocol()).to.equal(locker.address);
      expect(await staking.WIRER()).to.equal(admin.address);
      expect(await staking.hasRole(await staking.LOCKER_ROLE(), locker)).to.equal(true);
      expect(await staking.hasRole(await staking.SLASHER_ROLE(), locker)).to.equal(true);
      for (const a of [admin, locker]) expect(await staking.hasRole(ethers.ZeroHash, a)).to.equal(false);
      await expect(staking.wireProtocol(admin))
        .to.be.revertedWithCustomError(staking, "Staking_AlreadyWired")
        .withArgs(locker.address);
    });

    it("emits ProtocolWired; only the wirer, never to zero", async () => {
      const { token, admin, other } = await loadFixture(deployed);
      const fresh = await ethers.deployContract("Staking", [token, DELAY, admin]);
      await expect(fresh.connect(other).wireProtocol(other))
        .to.be.revertedWithCustomError(fresh, "Staking_NotWirer")
        .withArgs(other.address);
      await expect(fresh.wireProtocol(ethers.ZeroAddress)).to.be.revertedWithCustomError(fresh, "Staking_ZeroAddress");
      await expect(fresh.wireProtocol(other)).to.emit(fresh, "ProtocolWired").withArgs(other.address);
    });
  });

  describe("stake", () => {
    it("pulls the tokens into the caller's bonded stake", async () => {
      const { token, staking, op } = await loadFixture(deployed);
      await expect(staking.connect(op).stake(700n)).to.emit(staking, "Staked").withArgs(op.address, 700n, 700n);
      await expect(staking.connect(op).stake(300n)).to.changeTokenBalances(token, [op, staking], [-300n, 300n]);
      expect(await staking.bondedOf(op)).to.equal(1_000n);
      expect(await staking.freeStakeOf(op)).to.equal(1_000n);
      expect(await staking.totalStaked()).to.equal(1_000n);
    });

    it("reverts on zero, and without allowance", async () => {
      const { token, staking, op, recipient } = await loadFixture(deployed);
      await expect(staking.connect(op).stake(0)).to.be.revertedWithCustomError(staking, "Staking_ZeroAmount");
      await expect(staking.connect(recipient).stake(1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await staking.getAddress(), 0, 1);
    });
  });

  describe("requestUnbond", () => {
    it("moves free stake to unbonding, withdrawable after the delay", async () => {
      const { staking, op } = await loadFixture(staked);
      const t = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(t);
      await expect(staking.connect(op).requestUnbond(300n))
        .to.emit(staking, "UnbondRequested")
        .withArgs(op.address, 300n, 300n, t + DELAY);
      expect(await staking.bondedOf(op)).to.equal(700n);
      expect(await staking.unbondingOf(op)).to.deep.equal([300n, BigInt(t + DELAY)]);
      expect(await staking.totalStaked()).to.equal(1_000n);
    });

    it("a second request adds to the amount and restarts the delay", async () => {
      const { staking, op } = await loadFixture(unbonding);
      await time.increase(1000);
      const t = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(t);
      await expect(staking.connect(op).requestUnbond(100n))
        .to.emit(staking, "UnbondRequested")
        .withArgs(op.address, 100n, 400n, t + DELAY);
    });

    it("reverts on zero, and beyond the free stake (locked stake cannot unbond)", async () => {
      const { staking, op } = await loadFixture(locked);
      await expect(staking.connect(op).requestUnbond(0)).to.be.revertedWithCustomError(staking, "Staking_ZeroAmount");
      await expect(staking.connect(op).requestUnbond(401n))
        .to.be.revertedWithCustomError(staking, "Staking_InsufficientFreeStake")
        .withArgs(op.address, 400n, 401n);
    });
  });

  describe("withdraw", () => {
    it("pays the unbonding stake out after the delay", async () => {
      const { token, staking, op } = await loadFixture(unbonding);
      await time.increase(DELAY);
      await expect(staking.connect(op).withdraw()).to.changeTokenBalances(token, [op, staking], [300n, -300n]);
      expect(await staking.unbondingOf(op)).to.deep.equal([0n, 0n]);
      expect(await staking.totalStaked()).to.equal(700n);
    });

    it("emits Withdrawn", async () => {
      const { staking, op } = await loadFixture(unbonding);
      await time.increase(DELAY);
      await expect(staking.connect(op).withdraw()).to.emit(staking, "Withdrawn").withArgs(op.address, 300n);
    });

    it("reverts before the delay has passed", async () => {
      const { staking, op } = await loadFixture(unbonding);
      const [, readyAt] = await staking.unbondingOf(op);
      const t = Number(readyAt) - 1;
      await time.setNextBlockTimestamp(t);
      await expect(staking.connect(op).withdraw())
        .to.be.revertedWithCustomError(staking, "Staking_UnbondingNotReady")
        .withArgs(op.address, readyAt, t);
    });

    it("reverts with nothing unbonding", async () => {
      const { staking, op } = await loadFixture(staked);
      await expect(staking.connect(op).withdraw())
        .to.be.revertedWithCustomError(staking, "Staking_NothingUnbonding")
        .withArgs(op.address);
    });
  });

  describe("lock / unlock", () => {
    it("locks free stake and releases it", async () => {
      const { staking, locker, op } = await loadFixture(staked);
      await expect(staking.connect(locker).lock(op, 600n))
        .to.emit(staking, "StakeLocked")
        .withArgs(op.address, 600n, 600n);
      expect(await staking.lockedOf(op)).to.equal(600n);
      expect(await staking.freeStakeOf(op)).to.equal(400n);
      await expect(staking.connect(locker).unlock(op, 200n))
        .to.emit(staking, "StakeUnlocked")
        .withArgs(op.address, 200n, 400n);
      expect(await staking.freeStakeOf(op)).to.equal(600n);
    });

    it("reverts beyond the free or locked stake, and on zero", async () => {
      const { staking, locker, op } = await loadFixture(locked);
      await expect(staking.connect(locker).lock(op, 401n))
        .to.be.revertedWithCustomError(staking, "Staking_InsufficientFreeStake")
        .withArgs(op.address, 400n, 401n);
      await expect(staking.connect(locker).lock(op, 0)).to.be.revertedWithCustomError(staking, "Staking_ZeroAmount");
      await expect(staking.connect(locker).unlock(op, 601n))
        .to.be.revertedWithCustomError(staking, "Staking_InsufficientLockedStake")
        .withArgs(op.address, 600n, 601n);
    });

    it("reverts for a caller without LOCKER_ROLE", async () => {
      const { staking, op } = await loadFixture(staked);
      const role = await staking.LOCKER_ROLE();
      await expect(staking.connect(op).lock(op, 1n))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(op.address, role);
      await expect(staking.connect(op).unlock(op, 1n))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(op.address, role);
    });
  });

  describe("slash", () => {
    it("credits locked stake to the recipient, moving no token, and takes it off the bonded stake", async () => {
      const { token, staking, locker, op, recipient } = await loadFixture(locked);
      await expect(staking.connect(locker).slash(op, 600n, recipient)).to.changeTokenBalances(
        token,
        [staking, recipient],
        [0n, 0n],
      );
      expect(await staking.bondedOf(op)).to.equal(400n);
      expect(await staking.lockedOf(op)).to.equal(0n);
      expect(await staking.totalStaked()).to.equal(400n);
      expect(await staking.slashedOf(recipient)).to.equal(600n);
      expect(await staking.totalSlashed()).to.equal(600n);
      expect(await token.balanceOf(staking)).to.equal((await staking.totalStaked()) + (await staking.totalSlashed()));
    });

    it("the recipient pulls its credit with withdrawSlashed", async () => {
      const { token, staking, locker, op, recipient } = await loadFixture(locked);
      await staking.connect(locker).slash(op, 250n, recipient);
      await staking.connect(locker).slash(op, 100n, recipient);
      const tx = staking.connect(recipient).withdrawSlashed();
      await expect(tx).to.emit(staking, "SlashedWithdrawn").withArgs(recipient.address, 350n);
      await expect(tx).to.changeTokenBalances(token, [staking, recipient], [-350n, 350n]);
      expect(await staking.slashedOf(recipient)).to.equal(0n);
      expect(await staking.totalSlashed()).to.equal(0n);
      await expect(staking.connect(recipient).withdrawSlashed())
        .to.be.revertedWithCustomError(staking, "Staking_NothingSlashed")
        .withArgs(recipient.address);
    });

    it("emits StakeSlashed", async () => {
      const { staking, locker, op, recipient } = await loadFixture(locked);
      await expect(staking.connect(locker).slash(op, 100n, recipient))
        .to.emit(staking, "StakeSlashed")
        .withArgs(op.address, 100n, recipient.address);
    });

    it("reverts beyond the locked stake (free stake is never slashed) and on a zero recipient", async () => {
      const { staking, locker, op, recipient } = await loadFixture(locked);
      await expect(staking.connect(locker).slash(op, 601n, recipient))
        .to.be.revertedWithCustomError(staking, "Staking_InsufficientLockedStake")
        .withArgs(op.address, 600n, 601n);
      await expect(staking.connect(locker).slash(op, 1n, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        staking,
        "Staking_ZeroAddress",
      );
    });

    it("reverts for a caller without SLASHER_ROLE", async () => {
      const { staking, op, other } = await loadFixture(locked);
      await expect(staking.connect(other).slash(op, 1n, other))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.SLASHER_ROLE());
    });
  });
});
