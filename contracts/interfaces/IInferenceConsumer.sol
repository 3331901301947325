// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInferenceConsumer
/// @notice Implemented by a dApp that wants a verified result pushed to it.
/// @dev Anyone can make a request naming any contract as its consumer, so a consumer must
///      authenticate each call (docs/PROTOCOL.md §5.5): `msg.sender` is the coordinator,
///      `modelId` the model it trusts, and the request is one it wants: `requester` is itself
///      or an account it trusts, and/or `inputHash` is the input it expected (or `requestId`
///      one it recorded when it made the request). The coordinator calls with the gas limit
///      named in the request and ignores the outcome besides recording it: a consumer that
///      reverts or runs out of gas gets nothing retried automatically, but anyone may retry
///      the call with `Coordinator.retryCallback` (again after each failure). The coordinator
///      is locked against reentry during the call (no new requests from inside the callback).
interface IInferenceConsumer {
    /// @notice A request's result is final.
    /// @param requestId The coordinator's request id.
    /// @param modelId The model commitment the output was computed with.
    /// @param requester The account that made (and paid for) the request.
    /// @param inputHash keccak256 of the request's input bytes (§5.1).
    /// @param output The model outputs in order, each value a big-endian binary32.
    function onInferenceResult(
        uint256 requestId,
        bytes32 modelId,
        address requester,
        bytes32 inputHash,
        bytes calldata output
    ) external;
}
