// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Clock} from "../lib/LibClock.sol";

/// @title IDisputeGame
/// @notice Bisection games over the execution trace of a claim, one per challenger.
///         n-ary dissection of steps [0, N] with degree DEGREE; the claimer posts the split
///         state hashes, the challenger names the first sub-range it disputes; at one step
///         the challenger proves it with the one-step verifier. A chess clock per party.
interface IDisputeGame {
    enum GameStatus {
        None,
        AwaitingDissection, // the claimer's move: post the split hashes of [lo, hi]
        AwaitingChoice, // the challenger's move: name a sub-range
        AwaitingStep, // the challenger's move: prove step lo → hi (hi = lo + 1)
        ChallengerWon,
        ClaimerWon,
        Aborted // the claim was rejected by another game: the bond went back to the challenger
    }

    struct Game {
        uint64 claimId;
        uint64 lo;
        uint64 hi;
        uint32 round;
        GameStatus status;
        address claimer;
        uint96 bond;
        address challenger;
        Clock claimerClock;
        Clock challengerClock;
        bytes32 loHash; // agreed: state `lo`
        bytes32 hiHash; // the claimer's state `hi`, disputed
        bytes32 splitsHash; // keccak256 of the claimer's last split hashes
        bytes32 programRoot; // the model's, for the one-step proof
    }

    /// @notice A challenger opened a game against a claim: S_0 is computed on-chain, S_N is the claim's.
    event GameCreated(
        uint256 indexed gameId,
        uint256 indexed claimId,
        address indexed challenger,
        address claimer,
        uint64 steps,
        bytes32 initialStateHash,
        bytes32 finalStateHash
    );
    /// @notice The claimer posted the state hashes at the split points of [lo, hi].
    event Dissected(uint256 indexed gameId, uint32 round, uint64 lo, uint64 hi, bytes32[] hashes);
    /// @notice The challenger disputed sub-range `index`, now [lo, hi].
    event SubrangeChosen(uint256 indexed gameId, uint32 round, uint256 index, uint64 lo, uint64 hi);
    /// @notice The one-step proof of step `lo` ran: `postStateHash` against the claimer's `claimedHash`.
    event StepProven(uint256 indexed gameId, uint64 lo, bytes32 postStateHash, bytes32 claimedHash);
    /// @notice A game ended.
    event GameResolved(uint256 indexed gameId, GameStatus status);
    /// @notice `amount` was added to what `account` can withdraw.
    event PayoutCredited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount`.
    event PayoutWithdrawn(address indexed account, uint256 amount);

    error DisputeGame_ZeroAddress();
    error DisputeGame_InvalidDegree(uint256 degree);
    error DisputeGame_InvalidRewardShare(uint256 bps);
    error DisputeGame_InvalidClock(uint64 seconds_);
    error DisputeGame_ZeroBond();
    error DisputeGame_UnknownGame(uint256 gameId);
    error DisputeGame_AlreadyChallenged(uint256 claimId, address challenger, uint256 gameId);
    error DisputeGame_NotClaimer(uint256 gameId, address caller);
    error DisputeGame_NotChallenger(uint256 gameId, address caller);
    error DisputeGame_WrongMove(uint256 gameId, GameStatus status);
    error DisputeGame_ClockExpired(uint256 gameId, address player);
    error DisputeGame_WrongHashCount(uint256 gameId, uint256 expected, uint256 actual);
    error DisputeGame_SplitsMismatch(uint256 gameId, bytes32 expected, bytes32 actual);
    error DisputeGame_IndexOutOfRange(uint256 gameId, uint256 index, uint256 parts);
    error DisputeGame_GameOver(uint256 gameId, GameStatus status);
    error DisputeGame_ClockRunning(uint256 gameId, address player, uint64 secondsLeft);
    error DisputeGame_NothingToWithdraw(address account);

    /// @notice Opens a game against pending claim `_claimId` in its window, pulling
    ///         CHALLENGER_BOND from the caller. One game per challenger per claim.
    function challenge(uint256 _claimId) external returns (uint256 gameId_);

    /// @notice The claimer's move: the state hashes at the split points p_1..p_{m−1} of [lo, hi]
    ///         (m = min(DEGREE, hi − lo), p_i = lo + ⌊(hi − lo)·i/m⌋).
    function dissect(uint256 _gameId, bytes32[] calldata _hashes) external;

    /// @notice The challenger's move: dispute sub-range `_index` ([p_index, p_index+1]) of
    ///         the claimer's last dissection, whose hashes `_hashes` it repeats.
    function choose(uint256 _gameId, uint256 _index, bytes32[] calldata _hashes) external;

    /// @notice The challenger's last move: the one-step proof of step lo (hi = lo + 1). A
    ///         post-state other than the claimer's hash at hi wins the game for the
    ///         challenger; the same hash wins it for the claimer. A witness the verifier
    ///         refuses reverts.
    function step(uint256 _gameId, bytes calldata _proof) external;

    /// @notice Ends a game whose mover's clock ran out (the mover loses), or whose claim was
    ///         rejected by another game (the challenger's bond is returned). Anyone may call.
    function resolve(uint256 _gameId) external;

    /// @notice Withdraws the caller's credited payouts.
    function withdraw() external;

    function getGame(uint256 _gameId) external view returns (Game memory game_);
    /// @notice The game of `_challenger` against `_claimId`, 0 for none.
    function gameOf(uint256 _claimId, address _challenger) external view returns (uint256 gameId_);
    /// @notice The split points p_0..p_m of the game's current range.
    function splitPoints(uint256 _gameId) external view returns (uint64[] memory points_);
    /// @notice Seconds left on each clock now.
    function secondsLeft(uint256 _gameId) external view returns (uint64 claimer_, uint64 challenger_);
    function payoutOf(address _account) external view returns (uint256 amount_);
    /// @notice Bonds of games not ended.
    function totalBonds() external view returns (uint256 total_);
    /// @notice Credited payouts not withdrawn yet.
    function totalPayouts() external view returns (uint256 total_);
}
