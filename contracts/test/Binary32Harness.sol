// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibBinary32} from "../lib/LibBinary32.sol";

/// @title Binary32Harness
/// @notice Test-only access to LibBinary32 (test/consumer.test.ts): batched so one call
///         checks a whole vector table.
contract Binary32Harness {
    /// @notice `a` and `b` have different lengths.
    error Binary32Harness_LengthMismatch(uint256 a, uint256 b);

    function count(bytes memory output) external pure returns (uint256) {
        return LibBinary32.count(output);
    }

    function bitsAt(bytes memory output, uint256 index) external pure returns (uint32) {
        return LibBinary32.bitsAt(output, index);
    }

    /// @notice compare(a[i], b[i]) for every i.
    function compareBatch(uint32[] calldata a, uint32[] calldata b) external pure returns (int256[] memory r) {
        if (a.length != b.length) revert Binary32Harness_LengthMismatch(a.length, b.length);
        r = new int256[](a.length);
        for (uint256 i; i < a.length; ++i) r[i] = LibBinary32.compare(a[i], b[i]);
    }

    /// @notice (greaterThan, atLeast) of every value of `output` against `threshold`.
    function thresholds(
        bytes memory output,
        uint32 threshold
    ) external pure returns (bool[] memory above, bool[] memory atLeast) {
        uint256 n = LibBinary32.count(output);
        above = new bool[](n);
        atLeast = new bool[](n);
        for (uint256 i; i < n; ++i) {
            above[i] = LibBinary32.greaterThan(output, i, threshold);
            atLeast[i] = LibBinary32.atLeast(output, i, threshold);
        }
    }

    function argmax(bytes memory output) external pure returns (uint256) {
        return LibBinary32.argmax(output);
    }

    function argmaxRange(bytes memory output, uint256 from, uint256 length) external pure returns (uint256) {
        return LibBinary32.argmax(output, from, length);
    }
}
