// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IInferenceConsumer
/// @notice Implemented by a dApp that wants a verified result pushed to it.
/// @dev The coordinator calls with the gas limit named in the request and ignores the outcome
///      besides recording it: a consumer that reverts or runs out of gas gets nothing retried
///      automatically, but anyone may retry the call with `Coordinator.retryCallback` (again after each failure).
///      Check `msg.sender` is the coordinator. The coordinator is locked against reentry
///      during the call (no new requests from inside the callback).
interface IInferenceConsumer {
    /// @notice A request's result is final.
    /// @param requestId The coordinator's request id.
    /// @param modelId The model commitment the output was computed with.
    /// @param output The model outputs in order, each value a big-endian binary32.
    function onInferenceResult(uint256 requestId, bytes32 modelId, bytes calldata output) external;
}
