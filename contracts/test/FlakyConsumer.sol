// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title FlakyConsumer
/// @notice A load test's consumer: its callback reverts for a seeded pseudo-random share of the
///         requests (decided by the request id, so the test can predict which) and records the
///         others.
contract FlakyConsumer is IInferenceConsumer {
    error FlakyConsumer_Refused(uint256 requestId);

    uint256 public immutable SEED;
    /// Reverting share, in parts per million.
    uint256 public immutable REVERT_PPM;

    uint256 public delivered;
    mapping(uint256 requestId => bytes32 outputHash) public outputHashOf;

    constructor(uint256 _seed, uint256 _revertPpm) {
        SEED = _seed;
        REVERT_PPM = _revertPpm;
    }

    /// @notice Whether the callback for `_requestId` reverts.
    function refuses(uint256 _requestId) public view returns (bool) {
        return uint256(keccak256(abi.encode(SEED, _requestId))) % 1e6 < REVERT_PPM;
    }

    function onInferenceResult(uint256 _requestId, bytes32, address, bytes32, bytes calldata _output) external {
        if (refuses(_requestId)) revert FlakyConsumer_Refused(_requestId);
        delivered += 1;
        outputHashOf[_requestId] = keccak256(_output);
    }
}
