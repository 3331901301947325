// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {FinalState} from "../lib/Types.sol";

/// @title ICoordinator
/// @notice Inference requests, claims by staked operators, the challenge window,
///         finalization with a consumer callback, refunds; the dispute game reports to it.
interface ICoordinator {
    enum RequestStatus {
        None,
        Open, // waiting for a claim
        Claimed, // a claim is pending (in its window or disputed)
        Finalized, // the claim stood; the operator is paid and the result stored
        Refunded // no claim stood before the deadline; the fee went back to the requester
    }

    enum ClaimStatus {
        None,
        Pending,
        Rejected,
        Finalized
    }

    enum CallbackStatus {
        None, // not finalized yet
        NotRequested, // no consumer
        Delivered,
        Failed // reverted or ran out of gas; retryable
    }

    struct Request {
        address requester;
        uint64 deadline;
        uint32 callbackGasLimit;
        address consumer;
        uint96 fee;
        bytes32 modelId;
        bytes32 inputsRoot;
        uint64 claimId; // the pending or final claim, 0 when none
        RequestStatus status;
        CallbackStatus callbackStatus;
    }

    struct Claim {
        address operator;
        uint64 requestId;
        uint32 openGames;
        uint64 claimedAt;
        uint64 challengeDeadline;
        uint96 bond;
        ClaimStatus status;
        bytes32 finalStateHash;
        bytes output;
    }

    /// @notice What a dispute game needs to open against a claim.
    struct ChallengeContext {
        address claimer;
        bytes32 modelId;
        bytes32 inputsRoot;
        bytes32 finalStateHash;
    }

    /// @notice Fee quote: base + steps · perMillionSteps / 10^6 + callbackGasLimit · perCallbackGas.
    struct FeeSchedule {
        uint96 base;
        uint96 perMillionSteps;
        uint96 perCallbackGas;
    }

    /// @notice A request was made. `input` is the inputs' bytes (§5.1), so any challenger can
    ///         re-execute from logs alone.
    event Requested(
        uint256 indexed requestId,
        bytes32 indexed modelId,
        address indexed requester,
        address consumer,
        uint256 fee,
        uint64 deadline,
        uint32 callbackGasLimit,
        bytes32 inputsRoot,
        bytes input
    );
    /// @notice A provisional result: an operator claimed `output`; final unless challenged
    ///         successfully before `challengeDeadline`.
    event Claimed(
        uint256 indexed requestId,
        uint256 indexed claimId,
        address indexed operator,
        bytes32 finalStateHash,
        uint64 challengeDeadline,
        bytes output
    );
    /// @notice A dispute game opened against a claim.
    event ClaimChallenged(uint256 indexed claimId, uint32 openGames);
    /// @notice A dispute game against a claim ended in the claim's favour.
    event ClaimDefended(uint256 indexed claimId, uint32 openGames);
    /// @notice A claim lost a dispute game: its bond was slashed.
    event ClaimRejected(uint256 indexed requestId, uint256 indexed claimId, address indexed operator, uint256 slashed);
    /// @notice A request whose claim was rejected before its deadline takes claims again.
    event RequestReopened(uint256 indexed requestId);
    /// @notice A claim stood: the request is final and the operator's fee credited.
    event Finalized(uint256 indexed requestId, uint256 indexed claimId, address indexed operator, uint256 fee);
    /// @notice The consumer callback returned normally.
    event CallbackDelivered(uint256 indexed requestId, address indexed consumer);
    /// @notice The consumer callback reverted or ran out of gas; the result is stored anyway.
    event CallbackFailed(uint256 indexed requestId, address indexed consumer);
    /// @notice The fee of a request no claim answered went back to the requester.
    event Refunded(uint256 indexed requestId, address indexed requester, uint256 fee);
    /// @notice `amount` was added to what `account` can withdraw.
    event PayoutCredited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount`.
    event PayoutWithdrawn(address indexed account, uint256 amount);
    /// @notice The owner changed the fee schedule.
    event FeeScheduleUpdated(uint96 base, uint96 perMillionSteps, uint96 perCallbackGas);
    /// @notice The owner set the dispute game contract (once).
    event DisputeGameSet(address indexed disputeGame);

    error Coordinator_ZeroAddress();
    error Coordinator_ZeroBond();
    error Coordinator_ZeroChallengeWindow();
    error Coordinator_DisputeGameAlreadySet(address disputeGame);
    error Coordinator_NotDisputeGame(address caller);
    error Coordinator_ModelDeprecated(bytes32 modelId);
    error Coordinator_InputLengthMismatch(bytes32 modelId, uint256 expected, uint256 actual);
    error Coordinator_InputNaN(uint256 valueIndex);
    error Coordinator_FeeTooLow(uint256 fee, uint256 quote);
    error Coordinator_FeeTooHigh(uint256 fee);
    error Coordinator_DeadlineInPast(uint64 deadline, uint256 timestamp);
    error Coordinator_CallbackGasTooHigh(uint32 callbackGasLimit, uint32 max);
    error Coordinator_UnknownRequest(uint256 requestId);
    error Coordinator_UnknownClaim(uint256 claimId);
    error Coordinator_RequestNotOpen(uint256 requestId, RequestStatus status);
    error Coordinator_RequestNotClaimed(uint256 requestId, RequestStatus status);
    error Coordinator_RequestNotFinalized(uint256 requestId, RequestStatus status);
    error Coordinator_DeadlinePassed(uint256 requestId, uint64 deadline);
    error Coordinator_DeadlineNotPassed(uint256 requestId, uint64 deadline);
    error Coordinator_WeightsRootMismatch(bytes32 expected, bytes32 actual);
    error Coordinator_InputsRootMismatch(bytes32 expected, bytes32 actual);
    error Coordinator_FinalStateHashMismatch(bytes32 computed, bytes32 claimed);
    error Coordinator_OutputLengthMismatch(uint256 expected, uint256 actual);
    error Coordinator_OutputProofCount(uint256 expected, uint256 actual);
    error Coordinator_OutputProofInvalid(uint256 outputIndex, bytes32 expectedRoot, bytes32 provedRoot);
    error Coordinator_ClaimNotPending(uint256 claimId, ClaimStatus status);
    error Coordinator_ChallengeWindowOpen(uint256 claimId, uint64 challengeDeadline);
    error Coordinator_ChallengeWindowClosed(uint256 claimId, uint64 challengeDeadline);
    error Coordinator_GamesOpen(uint256 claimId, uint32 openGames);
    error Coordinator_CallbackNotRetryable(uint256 requestId, CallbackStatus status);
    error Coordinator_InsufficientGasForCallback(uint256 requestId, uint256 gasLeft, uint256 needed);
    error Coordinator_NothingToWithdraw(address account);

    /// @notice Requests the output of model `_modelId` on `_input`, paying `_fee` (pulled
    ///         from the caller) to the operator whose claim stands.
    /// @param _modelId A registered, not deprecated model.
    /// @param _input Every input tensor in model order, each value a big-endian binary32,
    ///        concatenated (§5.1). NaN is refused.
    /// @param _fee At least `quoteFee(_modelId, _callbackGasLimit)`.
    /// @param _consumer Called back at finalization (`IInferenceConsumer`); 0 for none.
    /// @param _callbackGasLimit Gas given to the callback, at most MAX_CALLBACK_GAS.
    /// @param _deadline Claims are accepted up to this timestamp; after it, with no claim
    ///        standing, the fee is refunded.
    /// @return requestId_ The new request's id.
    function request(
        bytes32 _modelId,
        bytes calldata _input,
        uint256 _fee,
        address _consumer,
        uint32 _callbackGasLimit,
        uint64 _deadline
    ) external returns (uint256 requestId_);

    /// @notice The minimum fee of a request for `_modelId` with a callback of `_callbackGasLimit`.
    function quoteFee(bytes32 _modelId, uint32 _callbackGasLimit) external view returns (uint256 fee_);

    /// @notice Claims the result of an open request, locking CLAIM_BOND of the caller's stake.
    /// @param _requestId An open request before its deadline.
    /// @param _output The model outputs in order, big-endian binary32, concatenated (§5.2).
    /// @param _finalStateHash The hash of the halted state the outputs are read from.
    /// @param _final That state's roots (pc = (#instructions, 0, 0), acc = +0 implied).
    /// @param _outputProofs Per output, the siblings of its slot root in its space tree.
    /// @return claimId_ The new claim's id.
    function claim(
        uint256 _requestId,
        bytes calldata _output,
        bytes32 _finalStateHash,
        FinalState calldata _final,
        bytes32[][] calldata _outputProofs
    ) external returns (uint256 claimId_);

    /// @notice Makes a claim final once its window closed and no game is open against it:
    ///         unlocks the bond, credits the fee, stores the result, calls the consumer back.
    /// @dev Needs gas for the callback: at least callbackGasLimit·64/63 plus a margin left
    ///      when the call is made, or the transaction reverts.
    function finalize(uint256 _requestId) external;

    /// @notice Refunds the fee of an open request whose deadline passed.
    function refund(uint256 _requestId) external;

    /// @notice Calls a final request's consumer again after a failed callback.
    function retryCallback(uint256 _requestId) external;

    /// @notice Withdraws the caller's credited payouts (fees, refunds).
    function withdraw() external;

    /// @notice Dispute game hook: a game opens against `_claimId` (pending, window open).
    function onChallenge(uint256 _claimId) external returns (ChallengeContext memory context_);

    /// @notice Dispute game hook: a game against `_claimId` ended in the claim's favour.
    function onClaimDefended(uint256 _claimId) external;

    /// @notice Dispute game hook: `_claimId` lost a game. Slashes its bond to the game, and
    ///         reopens its request (before the deadline) or refunds it.
    /// @return slashed_ The bond sent to the caller.
    function rejectClaim(uint256 _claimId) external returns (uint256 slashed_);

    function getRequest(uint256 _requestId) external view returns (Request memory request_);
    function getClaim(uint256 _claimId) external view returns (Claim memory claim_);
    function claimStatus(uint256 _claimId) external view returns (ClaimStatus status_);
    /// @notice The output of a finalized request.
    function resultOf(uint256 _requestId) external view returns (bytes memory output_);
    function payoutOf(address _account) external view returns (uint256 amount_);
    /// @notice Fees held for requests not finalized or refunded.
    function totalEscrowedFees() external view returns (uint256 total_);
    /// @notice Credited payouts not withdrawn yet.
    function totalPayouts() external view returns (uint256 total_);
}
