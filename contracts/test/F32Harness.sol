// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {F32, LibF32} from "../lib/LibF32.sol";
import {LibMapOps} from "../lib/LibMapOps.sol";

/// @title F32Harness
/// @notice Test-only access to LibF32 / LibMapOps: batched evaluation for the vector replay
///         (test/evm-fo32.test.ts) and single-op entry points for gas measurement.
contract F32Harness {
    /// @notice `a` and `b` (or `x` and `p`) have different lengths.
    error F32Harness_LengthMismatch(uint256 a, uint256 b);

    /// @notice Applies binary MapOp `op` to each pair (a[i], b[i]).
    /// @param op A binary MapOp code (64–71).
    /// @param a First operands (binary32 bit patterns).
    /// @param b Second operands (binary32 bit patterns), same length as `a`.
    /// @return r_ The result bit patterns.
    function binaryBatch(uint8 op, uint32[] calldata a, uint32[] calldata b) external pure returns (uint32[] memory r_) {
        if (a.length != b.length) revert F32Harness_LengthMismatch(a.length, b.length);
        r_ = new uint32[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            r_[i] = F32.unwrap(LibMapOps.binary(op, F32.wrap(a[i]), F32.wrap(b[i])));
        }
    }

    /// @notice Applies unary MapOp `op` with params (p0, p1) to each x[i].
    /// @param op A unary MapOp code (0–26).
    /// @param x Operands (binary32 bit patterns).
    /// @param p0 params[0] as a bit pattern.
    /// @param p1 params[1] as a bit pattern.
    /// @return r_ The result bit patterns.
    function unaryBatch(uint8 op, uint32[] calldata x, uint32 p0, uint32 p1) external pure returns (uint32[] memory r_) {
        r_ = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; ++i) {
            r_[i] = F32.unwrap(LibMapOps.unary(op, F32.wrap(x[i]), F32.wrap(p0), F32.wrap(p1)));
        }
    }

    /// @notice Comparisons of each pair: bit 0 lt, bit 1 le, bit 2 eq, bit 3 gt, bit 4 ge.
    /// @param a First operands.
    /// @param b Second operands, same length as `a`.
    /// @return r_ One bit set per true comparison, per pair.
    function compareBatch(uint32[] calldata a, uint32[] calldata b) external pure returns (uint8[] memory r_) {
        if (a.length != b.length) revert F32Harness_LengthMismatch(a.length, b.length);
        r_ = new uint8[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            F32 x = F32.wrap(a[i]);
            F32 y = F32.wrap(b[i]);
            uint8 bits;
            if (x.lt(y)) bits |= 1;
            if (x.le(y)) bits |= 2;
            if (x.eq(y)) bits |= 4;
            if (x.gt(y)) bits |= 8;
            if (x.ge(y)) bits |= 16;
            r_[i] = bits;
        }
    }

    /// @notice One binary op, for gas measurement (see measureBinary).
    /// @param op A binary MapOp code.
    /// @param a First operand.
    /// @param b Second operand.
    /// @return r_ The result.
    function binaryOne(uint8 op, uint32 a, uint32 b) external pure returns (uint32 r_) {
        r_ = F32.unwrap(LibMapOps.binary(op, F32.wrap(a), F32.wrap(b)));
    }

    /// @notice Gas used by `binary(op, a[i], b[i])` summed over the arrays (excluding the
    ///         loop and calldata reads, measured with an empty-body baseline loop).
    /// @param op A binary MapOp code.
    /// @param a First operands.
    /// @param b Second operands.
    /// @return gas_ Gas used by the operations only.
    /// @return max_ Largest gas of a single operation.
    function measureBinary(uint8 op, uint32[] calldata a, uint32[] calldata b)
        external
        view
        returns (uint256 gas_, uint256 max_)
    {
        if (a.length != b.length) revert F32Harness_LengthMismatch(a.length, b.length);
        uint256 sink;
        uint256 overhead = _overhead();
        for (uint256 i = 0; i < a.length; ++i) {
            F32 x = F32.wrap(a[i]);
            F32 y = F32.wrap(b[i]);
            uint256 g = gasleft();
            F32 r = LibMapOps.binary(op, x, y);
            g = g - gasleft() - overhead;
            sink ^= F32.unwrap(r);
            gas_ += g;
            if (g > max_) max_ = g;
        }
        if (sink == type(uint256).max) gas_ = 0; // keep the results alive
    }

    /// @notice Gas used by `unary(op, x[i], p0, p1)` (see measureBinary).
    /// @param op A unary MapOp code.
    /// @param x Operands.
    /// @param p0 params[0].
    /// @param p1 params[1].
    /// @return gas_ Gas used by the operations only.
    /// @return max_ Largest gas of a single operation.
    function measureUnary(uint8 op, uint32[] calldata x, uint32 p0, uint32 p1)
        external
        view
        returns (uint256 gas_, uint256 max_)
    {
        uint256 sink;
        uint256 overhead = _overhead();
        for (uint256 i = 0; i < x.length; ++i) {
            F32 v = F32.wrap(x[i]);
            uint256 g = gasleft();
            F32 r = LibMapOps.unary(op, v, F32.wrap(p0), F32.wrap(p1));
            g = g - gasleft() - overhead;
            sink ^= F32.unwrap(r);
            gas_ += g;
            if (g > max_) max_ = g;
        }
        if (sink == type(uint256).max) gas_ = 0;
    }

    /// @dev Cost of the two gasleft() reads around nothing.
    function _overhead() private view returns (uint256) {
        uint256 g = gasleft();
        return g - gasleft();
    }
}
