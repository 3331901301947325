// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {F32} from "../lib/LibF32.sol";
import {LibMapOps} from "../lib/LibMapOps.sol";

/// @title F32TernaryHarness
/// @notice Test-only access to LibMapOps.ternary for the vector replay (test/evm-fo32.test.ts).
///         A contract of its own so that F32Harness, whose gas figures docs/FO32.md records,
///         compiles exactly as before the ternary ops existed.
contract F32TernaryHarness {
    /// @notice `a` and `b` have different lengths.
    error F32TernaryHarness_LengthMismatch(uint256 a, uint256 b);

    /// @notice Applies ternary MapOp `op` (Where) to each (c[i], a[i], b[i]).
    /// @param op A ternary MapOp code (≥ 128).
    /// @param c Conditions (binary32 bit patterns).
    /// @param a Values if true, same length as `c`.
    /// @param b Values if false, same length as `c`.
    /// @return r_ The result bit patterns.
    function ternaryBatch(
        uint8 op,
        uint32[] calldata c,
        uint32[] calldata a,
        uint32[] calldata b
    ) external pure returns (uint32[] memory r_) {
        if (c.length != a.length) revert F32TernaryHarness_LengthMismatch(c.length, a.length);
        if (c.length != b.length) revert F32TernaryHarness_LengthMismatch(c.length, b.length);
        r_ = new uint32[](c.length);
        for (uint256 i = 0; i < c.length; ++i) {
            r_[i] = F32.unwrap(LibMapOps.ternary(op, F32.wrap(c[i]), F32.wrap(a[i]), F32.wrap(b[i])));
        }
    }
}
