// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ICoordinator} from "./interfaces/ICoordinator.sol";
import {IDisputeGame} from "./interfaces/IDisputeGame.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {LibProofKind} from "./lib/LibProofKind.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {Root, StateHash} from "./lib/Hashes.sol";
import {PullPayments} from "./PullPayments.sol";
import {Clock, LibClock} from "./lib/LibClock.sol";
import {LibCommitment} from "./lib/LibCommitment.sol";
import {LibDissection} from "./lib/LibDissection.sol";
import {FinalState} from "./lib/Types.sol";

/// @title DisputeGame
/// @notice Every dispute game, one per (claim, challenger). A game bisects steps [0, N] of
///         the claim's run: S_0 is computed here from the model and the request's inputs,
///         S_N is the claim's final state, revealed by the claimer in its first game on the
///         claim (v3: a claim carries only its output). The range [lo, hi] always has S_lo
///         agreed and the claimer's S_hi disputed:
///
///         AwaitingReveal ─reveal (claimer)─▶ AwaitingDissection, or AwaitingStep if N = 1
///         (a game on a claim revealed earlier starts past AwaitingReveal)
///
///         AwaitingDissection ─dissect (claimer)─▶ AwaitingChoice ─choose (challenger)─┐
///                 ▲                                                                   │
///                 └────────────────────── hi − lo > 1 ◀───────────────────────────────┤
///                                                        hi − lo = 1 ▼                │
///                                        AwaitingStep ─step (challenger)─▶ ChallengerWon | ClaimerWon
///
///         The mover's chess clock runs; a mover out of time loses (`resolve` on one game,
///         `settleTimedOut` on every game of a claim; anyone). A game whose claim is no longer
///         pending (another game rejected it) ends as Aborted, its bond returned, at its next
///         move, `resolve` or `settleTimedOut`.
///
///         Payouts (pull): challenger wins → its bond back plus the fixed CHALLENGER_REWARD
///         (≤ 10% of the claim bond), the rest of the slashed claim bond to TREASURY; claimer
///         wins → the challenger's bond to the claimer. Only one game per claim can win, so a
///         cheater challenging its own claim from any number of accounts recovers at most
///         CHALLENGER_REWARD: it loses ≥ 90% of its bond (docs/PROTOCOL.md §7.7). A slashed
///         claim bond is credited to this contract inside STAKING (no token moves during a
///         move); a withdrawal fetches it when this contract's own balance falls short.
/// @dev INVARIANT (value): token.balanceOf(this) + STAKING.slashedOf(this) = totalBonds() +
///      totalPayouts() (plus tokens sent here directly).
contract DisputeGame is IDisputeGame, PullPayments {
    using SafeERC20 for IERC20;

    /// @notice Largest DEGREE accepted: bounds the hashes (DEGREE − 1) one dissection posts.
    uint256 public constant MAX_DEGREE = 1024;
    /// @notice 100% in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice Largest CHALLENGER_REWARD as a share of the claim bond: what a cheater winning
    ///         against itself can recover, so it loses at least 90% of its bond.
    uint256 public constant MAX_REWARD_BPS = 1_000;

    /// @notice Opens games against claims (onChallenge) and is told their outcomes.
    ICoordinator public immutable COORDINATOR;
    /// @notice Gives each game its model's roots and step count N (gameSpec).
    IModelRegistry public immutable REGISTRY;
    /// @notice Executes the single disputed step on-chain (docs/PROTOCOL.md §6).
    IOneStepVerifier public immutable VERIFIER;
    /// @dev VERIFIER.kindVerifiers(), read at construction: a proof goes straight to the
    ///      verifier of its instruction's kind, saving a call through VERIFIER (§6.2).
    IOneStepVerifier private immutable _VERIFIER_DOT;
    IOneStepVerifier private immutable _VERIFIER_MAP;
    IOneStepVerifier private immutable _VERIFIER_REDUCE;
    IOneStepVerifier private immutable _VERIFIER_MOVE;
    /// @notice Where slashed claim bonds are credited to this contract (the coordinator's staking).
    IStaking public immutable STAKING;
    /// @notice k: each dissection cuts the range into up to k sub-ranges (k − 1 hashes).
    uint256 public immutable DEGREE;
    /// @notice Each party's total thinking time per game, in seconds.
    uint64 public immutable CLOCK_SECONDS;
    /// @notice Token units a challenger locks to open a game; lost to the claimer if it loses.
    uint96 public immutable CHALLENGER_BOND;
    /// @notice Token units paid to the challenger who won, on top of its bond: a fixed
    ///         reimbursement of its moves, at most MAX_REWARD_BPS of the coordinator's CLAIM_BOND.
    uint96 public immutable CHALLENGER_REWARD;
    /// @notice Receives the rest of a slashed claim bond. It must not be an operator's (a
    ///         burn address works): what it gets is what a cheater cannot recapture.
    address public immutable TREASURY;

    /// @notice Games opened so far; also the last game's id.
    uint256 public gameCount;
    mapping(uint256 gameId => Game) private _games;
    mapping(uint256 claimId => mapping(address challenger => uint256 gameId)) private _gameOf;
    /// @dev The claim's newest game; each game links to the one before (Game.previous).
    mapping(uint256 claimId => uint256 gameId) private _lastGameOf;
    uint256 private _totalBonds;

    struct Config {
        ICoordinator coordinator;
        IModelRegistry registry;
        IOneStepVerifier verifier;
        IStaking staking;
        IERC20 token;
        uint256 degree;
        uint64 clockSeconds;
        uint96 challengerBond;
        uint96 challengerReward;
        address treasury;
    }

    constructor(Config memory _c) PullPayments(_c.token) {
        if (
            address(_c.coordinator) == address(0) ||
            address(_c.registry) == address(0) ||
            address(_c.verifier) == address(0) ||
            address(_c.staking) == address(0) ||
            address(_c.token) == address(0) ||
            _c.treasury == address(0)
        ) revert DisputeGame_ZeroAddress();
        if (_c.degree < 2 || _c.degree > MAX_DEGREE) revert DisputeGame_InvalidDegree(_c.degree);
        // Read, not passed: the cap then holds for the bond the coordinator actually locks.
        uint256 maxReward = (uint256(_c.coordinator.CLAIM_BOND()) * MAX_REWARD_BPS) / BPS;
        if (_c.challengerReward > maxReward) revert DisputeGame_RewardTooHigh(_c.challengerReward, maxReward);
        if (_c.clockSeconds == 0) revert DisputeGame_InvalidClock(_c.clockSeconds);
        // A free challenge would let anyone stall every claim at no cost.
        if (_c.challengerBond == 0) revert DisputeGame_ZeroBond();
        COORDINATOR = _c.coordinator;
        REGISTRY = _c.registry;
        VERIFIER = _c.verifier;
        IOneStepVerifier[4] memory byKind = _c.verifier.kindVerifiers();
        _VERIFIER_DOT = byKind[0];
        _VERIFIER_MAP = byKind[1];
        _VERIFIER_REDUCE = byKind[2];
        _VERIFIER_MOVE = byKind[3];
        STAKING = _c.staking;
        DEGREE = _c.degree;
        CLOCK_SECONDS = _c.clockSeconds;
        CHALLENGER_BOND = _c.challengerBond;
        CHALLENGER_REWARD = _c.challengerReward;
        TREASURY = _c.treasury;
    }

    // ---------------------------------------------------------------------------------------
    // Moves

    /// @inheritdoc IDisputeGame
    function challenge(uint256 _claimId, bytes calldata _input) external nonReentrant returns (uint256 gameId_) {
        uint256 existing = _gameOf[_claimId][msg.sender];
        // INVARIANT: one game per challenger per claim.
        if (existing != 0) revert DisputeGame_AlreadyChallenged(_claimId, msg.sender, existing);
        // Reverts unless the claim is pending and inside its challenge window, or `_input` is
        // needed and is not the request's.
        ICoordinator.ChallengeContext memory ctx = COORDINATOR.onChallenge(_claimId, _input);
        // A NaN input voided the request and released the claim: nothing to dispute, no bond.
        if (ctx.voided) return 0;
        (bytes32 programRoot, bytes32 weightsRoot, bytes32 initialActivationsRoot, uint64 steps) = REGISTRY.gameSpec(
            ctx.modelId
        );
        // INVARIANT: S_0 is agreed by construction: computed from the model and the request.
        StateHash initial = StateHash.wrap(
            LibCommitment.initialStateHash(weightsRoot, ctx.inputsRoot, initialActivationsRoot)
        );

        gameId_ = ++gameCount;
        _gameOf[_claimId][msg.sender] = gameId_;
        uint64 now_ = uint64(block.timestamp);
        Game storage g = _games[gameId_];
        g.claimId = uint64(_claimId);
        g.hi = steps;
        g.claimer = ctx.claimer;
        g.bond = CHALLENGER_BOND;
        g.challenger = msg.sender;
        g.previous = uint64(_lastGameOf[_claimId]);
        _lastGameOf[_claimId] = gameId_;
        g.loHash = initial;
        g.hiHash = StateHash.wrap(ctx.finalStateHash);
        g.programRoot = Root.wrap(programRoot);
        if (ctx.finalStateHash == bytes32(0)) {
            // The claimer has not revealed its halted state yet: its move, on its clock.
            g.status = GameStatus.AwaitingReveal;
            g.claimerClock = LibClock.wrap(CLOCK_SECONDS).start(now_);
            g.challengerClock = LibClock.wrap(CLOCK_SECONDS);
        } else if (steps == 1) {
            g.status = GameStatus.AwaitingStep;
            g.claimerClock = LibClock.wrap(CLOCK_SECONDS);
            g.challengerClock = LibClock.wrap(CLOCK_SECONDS).start(now_);
        } else {
            g.status = GameStatus.AwaitingDissection;
            g.claimerClock = LibClock.wrap(CLOCK_SECONDS).start(now_);
            g.challengerClock = LibClock.wrap(CLOCK_SECONDS);
        }
        _totalBonds += CHALLENGER_BOND;
        emit GameCreated(
            gameId_,
            _claimId,
            msg.sender,
            ctx.claimer,
            steps,
            initial,
            StateHash.wrap(ctx.finalStateHash)
        );
        // A bond kept here (deposit, or winnings not withdrawn) opens the game without a
        // token transfer, so a paused or blacklisting token cannot stop a challenge.
        if (_debit(msg.sender, CHALLENGER_BOND)) emit BondPaidFromPayouts(msg.sender, CHALLENGER_BOND);
        else TOKEN.safeTransferFrom(msg.sender, address(this), CHALLENGER_BOND);
    }

    /// @inheritdoc IDisputeGame
    function reveal(
        uint256 _gameId,
        bytes calldata _output,
        FinalState calldata _final,
        bytes32[][] calldata _outputProofs
    ) external nonReentrant {
        Game storage g = _game(_gameId);
        // INVARIANT: it is the claimer's reveal (anyone may send it: it only proves).
        if (g.status != GameStatus.AwaitingReveal) revert DisputeGame_WrongMove(_gameId, g.status);
        uint64 now_ = uint64(block.timestamp);
        Clock clock = g.claimerClock;
        // INVARIANT: the claimer's clock has time left.
        if (clock.expired(now_)) revert DisputeGame_ClockExpired(_gameId, g.claimer);
        // Reverts unless the claim is pending and (on its first reveal) the state checks of
        // §5.2 pass; S_N is then fixed for every game on the claim.
        StateHash finalStateHash = StateHash.wrap(COORDINATOR.onReveal(g.claimId, _output, _final, _outputProofs));
        g.hiHash = finalStateHash;
        if (g.hi == 1) {
            g.status = GameStatus.AwaitingStep;
            g.claimerClock = clock.stop(now_);
            g.challengerClock = g.challengerClock.start(now_);
        } else {
            // Still the claimer's move (the first dissection): its clock keeps running.
            g.status = GameStatus.AwaitingDissection;
        }
        emit Revealed(_gameId, finalStateHash);
    }

    /// @inheritdoc IDisputeGame
    function deposit(uint256 _amount) external nonReentrant {
        if (_amount == 0) revert DisputeGame_ZeroDeposit(msg.sender);
        _credit(msg.sender, _amount);
        TOKEN.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @inheritdoc IDisputeGame
    function dissect(uint256 _gameId, bytes32[] calldata _hashes) external {
        Game storage g = _game(_gameId);
        // INVARIANT: it is the claimer's move.
        if (g.status != GameStatus.AwaitingDissection) revert DisputeGame_WrongMove(_gameId, g.status);
        if (msg.sender != g.claimer) revert DisputeGame_NotClaimer(_gameId, msg.sender);
        if (_abortIfSettled(_gameId, g)) return;
        uint64 now_ = uint64(block.timestamp);
        Clock clock = g.claimerClock;
        // INVARIANT: the claimer's clock has time left.
        if (clock.expired(now_)) revert DisputeGame_ClockExpired(_gameId, msg.sender);
        uint256 parts = LibDissection.parts(g.hi - g.lo, DEGREE);
        // INVARIANT: one hash per inner split point of [lo, hi].
        if (_hashes.length != parts - 1) revert DisputeGame_WrongHashCount(_gameId, parts - 1, _hashes.length);

        g.splitsHash = keccak256(abi.encodePacked(_hashes));
        g.status = GameStatus.AwaitingChoice;
        g.claimerClock = clock.stop(now_);
        g.challengerClock = g.challengerClock.start(now_);
        emit Dissected(_gameId, g.round, g.lo, g.hi, _hashes);
    }

    /// @inheritdoc IDisputeGame
    function choose(uint256 _gameId, uint256 _index, bytes32[] calldata _hashes) external {
        Game storage g = _game(_gameId);
        // INVARIANT: it is the challenger's move, and not the final step.
        if (g.status != GameStatus.AwaitingChoice) revert DisputeGame_WrongMove(_gameId, g.status);
        if (msg.sender != g.challenger) revert DisputeGame_NotChallenger(_gameId, msg.sender);
        if (_abortIfSettled(_gameId, g)) return;
        uint64 now_ = uint64(block.timestamp);
        Clock clock = g.challengerClock;
        // INVARIANT: the challenger's clock has time left.
        if (clock.expired(now_)) revert DisputeGame_ClockExpired(_gameId, msg.sender);
        bytes32 splits = keccak256(abi.encodePacked(_hashes));
        // INVARIANT: the hashes are the claimer's last dissection (so also their count).
        if (splits != g.splitsHash) revert DisputeGame_SplitsMismatch(_gameId, g.splitsHash, splits);
        uint64 lo = g.lo;
        uint256 length = g.hi - lo;
        uint256 parts = LibDissection.parts(length, DEGREE);
        // INVARIANT: the index names one of the sub-ranges.
        if (_index >= parts) revert DisputeGame_IndexOutOfRange(_gameId, _index, parts);

        // The sub-range's ends: the claimer's hashes inside, the current ends at the edges,
        // so S_lo stays agreed (the challenger accepts every hash before the one it disputes).
        uint64 newLo = LibDissection.point(lo, length, parts, _index);
        uint64 newHi = LibDissection.point(lo, length, parts, _index + 1);
        if (_index != 0) g.loHash = StateHash.wrap(_hashes[_index - 1]);
        if (_index != parts - 1) g.hiHash = StateHash.wrap(_hashes[_index]);
        g.lo = newLo;
        g.hi = newHi;
        uint32 round = g.round;
        g.round = round + 1;
        if (newHi - newLo == 1) {
            // Still the challenger's move: its clock keeps running.
            g.status = GameStatus.AwaitingStep;
        } else {
            g.status = GameStatus.AwaitingDissection;
            g.challengerClock = clock.stop(now_);
            g.claimerClock = g.claimerClock.start(now_);
        }
        emit SubrangeChosen(_gameId, round, _index, newLo, newHi);
    }

    /// @inheritdoc IDisputeGame
    function step(uint256 _gameId, bytes calldata _proof) external nonReentrant {
        Game storage g = _game(_gameId);
        // INVARIANT: the range is one step and it is the challenger's move.
        if (g.status != GameStatus.AwaitingStep) revert DisputeGame_WrongMove(_gameId, g.status);
        if (msg.sender != g.challenger) revert DisputeGame_NotChallenger(_gameId, msg.sender);
        if (_abortIfSettled(_gameId, g)) return;
        // INVARIANT: the challenger's clock has time left.
        if (g.challengerClock.expired(uint64(block.timestamp))) revert DisputeGame_ClockExpired(_gameId, msg.sender);
        // Reverts on a witness inconsistent with S_lo or the program.
        StateHash post = _verifierOf(_proof).step(g.programRoot, g.loHash, _proof);
        StateHash claimed = g.hiHash;
        emit StepProven(_gameId, g.lo, post, claimed);
        // INVARIANT: the claimer's S_hi must be step(S_lo).
        _end(_gameId, g, StateHash.unwrap(post) != StateHash.unwrap(claimed));
    }

    /// @inheritdoc IDisputeGame
    function resolve(uint256 _gameId) external nonReentrant {
        Game storage g = _game(_gameId);
        GameStatus status = g.status;
        if (status >= GameStatus.ChallengerWon) revert DisputeGame_GameOver(_gameId, status);
        if (_abortIfSettled(_gameId, g)) return;
        (bool claimerToMove, uint64 left) = _moverClock(g, status, uint64(block.timestamp));
        // INVARIANT: a game ends on time only when the mover's clock ran out.
        if (left != 0) revert DisputeGame_ClockRunning(_gameId, claimerToMove ? g.claimer : g.challenger, left);
        // The mover loses: the challenger wins when the claimer ran out of time.
        _end(_gameId, g, claimerToMove);
    }

    /// @inheritdoc IDisputeGame
    function settleTimedOut(uint256 _claimId) external nonReentrant returns (uint256 ended_) {
        bool pending = COORDINATOR.claimStatus(_claimId) == ICoordinator.ClaimStatus.Pending;
        bool rejectedHere;
        uint64 now_ = uint64(block.timestamp);
        // The same rules as `resolve`, on every live game of the claim, skipping those whose
        // mover still has time (no revert: Coordinator.finalize calls this).
        for (uint256 id = _lastGameOf[_claimId]; id != 0;) {
            Game storage g = _games[id];
            uint256 previous = g.previous;
            GameStatus status = g.status;
            if (status < GameStatus.ChallengerWon) {
                if (!pending) {
                    _abort(id, g);
                    ++ended_;
                } else {
                    (bool claimerToMove, uint64 left) = _moverClock(g, status, now_);
                    if (left == 0) {
                        _end(id, g, claimerToMove);
                        ++ended_;
                        // A game the claimer lost on time rejected the claim.
                        if (claimerToMove) (pending, rejectedHere) = (false, true);
                    }
                }
            }
            id = previous;
        }
        // The games after the rejecting one in the list were passed while the claim was still
        // pending: abort those still live, so every bond comes back in this call.
        if (rejectedHere) {
            for (uint256 id = _lastGameOf[_claimId]; id != 0; id = _games[id].previous) {
                Game storage g = _games[id];
                if (g.status >= GameStatus.ChallengerWon) continue;
                _abort(id, g);
                ++ended_;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IDisputeGame
    function getGame(uint256 _gameId) external view returns (Game memory game_) {
        game_ = _game(_gameId);
    }

    /// @inheritdoc IDisputeGame
    function gameOf(uint256 _claimId, address _challenger) external view returns (uint256 gameId_) {
        gameId_ = _gameOf[_claimId][_challenger];
    }

    /// @inheritdoc IDisputeGame
    function gamesOf(uint256 _claimId) external view returns (uint256[] memory gameIds_) {
        uint256 count;
        for (uint256 id = _lastGameOf[_claimId]; id != 0; id = _games[id].previous) ++count;
        gameIds_ = new uint256[](count);
        // Oldest first: the list links each game to the one opened before it.
        for (uint256 id = _lastGameOf[_claimId]; id != 0; id = _games[id].previous) gameIds_[--count] = id;
    }

    /// @inheritdoc IDisputeGame
    function splitPoints(uint256 _gameId) external view returns (uint64[] memory points_) {
        Game storage g = _game(_gameId);
        uint256 length = g.hi - g.lo;
        uint256 parts = LibDissection.parts(length, DEGREE);
        points_ = new uint64[](parts + 1);
        for (uint256 i; i <= parts; ++i) points_[i] = LibDissection.point(g.lo, length, parts, i);
    }

    /// @inheritdoc IDisputeGame
    function secondsLeft(uint256 _gameId) external view returns (uint64 claimer_, uint64 challenger_) {
        Game storage g = _game(_gameId);
        uint64 now_ = uint64(block.timestamp);
        (claimer_, challenger_) = (g.claimerClock.secondsLeft(now_), g.challengerClock.secondsLeft(now_));
    }

    /// @inheritdoc IDisputeGame
    function totalBonds() external view returns (uint256 total_) {
        total_ = _totalBonds;
    }

    // ---------------------------------------------------------------------------------------
    // Internals

    function _game(uint256 _gameId) private view returns (Game storage g_) {
        g_ = _games[_gameId];
        if (g_.status == GameStatus.None) revert DisputeGame_UnknownGame(_gameId);
    }

    /// @dev Aborts a live game whose claim is no longer pending (another game rejected it):
    ///      nothing is left to slash or defend, so no move may be recorded, and ending the game
    ///      here (rather than reverting) leaves it stuck for no one. True if it aborted.
    function _abortIfSettled(uint256 _gameId, Game storage _g) private returns (bool aborted_) {
        if (COORDINATOR.claimStatus(_g.claimId) == ICoordinator.ClaimStatus.Pending) return false;
        _abort(_gameId, _g);
        aborted_ = true;
    }

    /// @dev Whose clock runs in a live game (`_status` 1–3), and its seconds left at `_now`.
    function _moverClock(
        Game storage _g,
        GameStatus _status,
        uint64 _now
    ) private view returns (bool claimerToMove_, uint64 left_) {
        // The claimer moves while the game waits for its reveal or its dissection.
        claimerToMove_ = _status == GameStatus.AwaitingDissection || _status == GameStatus.AwaitingReveal;
        left_ = (claimerToMove_ ? _g.claimerClock : _g.challengerClock).secondsLeft(_now);
    }

    /// @dev Ends a live game of a pending claim, won by one side.
    function _end(uint256 _gameId, Game storage _g, bool _challengerWon) private {
        uint256 claimId = _g.claimId;
        uint256 bond = _g.bond;
        _totalBonds -= bond;
        // The game's state is final before the coordinator is called; the credits after the
        // call only touch this contract's books, and every entry point is nonReentrant.
        if (_challengerWon) {
            _g.status = GameStatus.ChallengerWon;
            emit GameResolved(_gameId, GameStatus.ChallengerWon);
            // Credits the slashed claim bond to this contract in STAKING (moves no token) and
            // reopens or refunds the request.
            uint256 slashed = COORDINATOR.rejectClaim(claimId);
            // INVARIANT: the winner gets at most MAX_REWARD_BPS of the slash, whoever it is (the
            // constructor caps CHALLENGER_REWARD against CLAIM_BOND; this holds per claim too).
            uint256 reward = CHALLENGER_REWARD;
            uint256 cap = (slashed * MAX_REWARD_BPS) / BPS;
            if (reward > cap) reward = cap;
            _credit(_g.challenger, bond + reward);
            _credit(TREASURY, slashed - reward);
        } else {
            _g.status = GameStatus.ClaimerWon;
            emit GameResolved(_gameId, GameStatus.ClaimerWon);
            COORDINATOR.onClaimDefended(claimId);
            _credit(_g.claimer, bond);
        }
    }

    /// @dev Slashed claim bonds wait in STAKING until a payout needs them: fetching them only
    ///      then means a token blocking STAKING → this contract delays only those payouts.
    function _beforePayout(uint256 _amount) internal override {
        if (TOKEN.balanceOf(address(this)) < _amount && STAKING.slashedOf(address(this)) != 0) {
            STAKING.withdrawSlashed();
        }
    }

    function _abort(uint256 _gameId, Game storage _g) private {
        uint256 bond = _g.bond;
        _totalBonds -= bond;
        _g.status = GameStatus.Aborted;
        emit GameResolved(_gameId, GameStatus.Aborted);
        _credit(_g.challenger, bond);
    }

    /// @dev The verifier of the kind `_proof`'s instruction names (LibProofKind).
    function _verifierOf(bytes calldata _proof) private view returns (IOneStepVerifier) {
        return LibProofKind.verifierOf(_proof, _VERIFIER_DOT, _VERIFIER_MAP, _VERIFIER_REDUCE, _VERIFIER_MOVE);
    }
}
