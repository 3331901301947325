// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {F32} from "../lib/LibF32.sol";
import {LibMapOps} from "../lib/LibMapOps.sol";

/// @title F32Harness
/// @notice Test-only access to LibF32 / LibMapOps: batched evaluation for the vector replay
///         (test/evm-fo32.test.ts) and single-op entry points for gas measurement.
contract F32Harness {
    /// @notice `a` and `b` (or `x` and `p`) have different lengths.
    error F32Harness_LengthMismatch(uint256 a, uint256 b);

    /// @notice Applies binary MapOp `op` to each pair (a[i], b[i]).
    /// @param op A binary MapOp code (64–74).
    /// @param a First operands (binary32 bit patterns).
    /// @param b Second operands (binary32 bit patterns), same length as `a`.
    /// @return r_ The result bit patterns.
    function binaryBatch(
        uint8 op,
        uint32[] calldata a,
        uint32[] calldata b
    ) external pure returns (uint32[] memory r_) {
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
    function unaryBatch(
        uint8 op,
        uint32[] calldata x,
        uint32 p0,
        uint32 p1
    ) external pure returns (uint32[] memory r_) {
        r_ = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; ++i) {
            r_[i] = F32.unwrap(LibMapOps.unary(op, F32.wrap(x[i]), F32.wrap(p0), F32.wrap(p1)));
        }
    }

    /// @notice Applies unary MapOp `op` with the params an instruction without params gets
    ///         (LibMapOps.defaultParam) to each x[i].
    /// @param op A unary MapOp code (0–26).
    /// @param x Operands (binary32 bit patterns).
    /// @return r_ The result bit patterns.
    function unaryDefaultBatch(uint8 op, uint32[] calldata x) external pure returns (uint32[] memory r_) {
        F32 p0 = LibMapOps.defaultParam(op, 0);
        F32 p1 = LibMapOps.defaultParam(op, 1);
        r_ = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; ++i) {
            r_[i] = F32.unwrap(LibMapOps.unary(op, F32.wrap(x[i]), p0, p1));
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

    /// @notice Gas used by each `LibMapOps.binary(op, a[i], b[i])` (the two gasleft() reads
    ///         around it subtracted), for the gas table in docs/FO32.md.
    /// @param op A binary MapOp code.
    /// @param a First operands.
    /// @param b Second operands, same length as `a`.
    /// @return gas_ Gas of each operation.
    function measureBinary(
        uint8 op,
        uint32[] calldata a,
        uint32[] calldata b
    ) external view returns (uint256[] memory gas_) {
        if (a.length != b.length) revert F32Harness_LengthMismatch(a.length, b.length);
        gas_ = new uint256[](a.length);
        uint256 overhead = _overhead();
        uint256 sink;
        for (uint256 i = 0; i < a.length; ++i) {
            F32 x = F32.wrap(a[i]);
            F32 y = F32.wrap(b[i]);
            uint256 g = gasleft();
            F32 r = LibMapOps.binary(op, x, y);
            gas_[i] = g - gasleft() - overhead;
            sink ^= F32.unwrap(r);
        }
        if (sink == type(uint256).max) gas_[0] = 0; // keeps the results alive
    }

    /// @notice Gas used by each `LibMapOps.unary(op, x[i], p0, p1)` (see measureBinary).
    /// @param op A unary MapOp code.
    /// @param x Operands.
    /// @param p0 params[0].
    /// @param p1 params[1].
    /// @return gas_ Gas of each operation.
    function measureUnary(
        uint8 op,
        uint32[] calldata x,
        uint32 p0,
        uint32 p1
    ) external view returns (uint256[] memory gas_) {
        gas_ = new uint256[](x.length);
        uint256 overhead = _overhead();
        uint256 sink;
        for (uint256 i = 0; i < x.length; ++i) {
            F32 v = F32.wrap(x[i]);
            uint256 g = gasleft();
            F32 r = LibMapOps.unary(op, v, F32.wrap(p0), F32.wrap(p1));
            gas_[i] = g - gasleft() - overhead;
            sink ^= F32.unwrap(r);
        }
        if (sink == type(uint256).max) gas_[0] = 0;
    }

    /// @notice Gas used by each direct LibF32 call (no MapOp dispatch), as the verifier's Dot
    ///         and Reduce steps make them: which = 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min,
    ///         6 sqrt (of a[i]), 7 lt.
    /// @param which The primitive.
    /// @param a First operands.
    /// @param b Second operands, same length as `a`.
    /// @return gas_ Gas of each operation.
    function measurePrimitive(
        uint8 which,
        uint32[] calldata a,
        uint32[] calldata b
    ) external view returns (uint256[] memory gas_) {
        if (a.length != b.length) revert F32Harness_LengthMismatch(a.length, b.length);
        gas_ = new uint256[](a.length);
        uint256 overhead = _overhead();
        uint256 sink;
        for (uint256 i = 0; i < a.length; ++i) {
            F32 x = F32.wrap(a[i]);
            F32 y = F32.wrap(b[i]);
            F32 r;
            uint256 g;
            if (which == 0) {
                g = gasleft();
                r = x.add(y);
            } else if (which == 1) {
                g = gasleft();
                r = x.sub(y);
            } else if (which == 2) {
                g = gasleft();
                r = x.mul(y);
            } else if (which == 3) {
                g = gasleft();
                r = x.div(y);
            } else if (which == 4) {
                g = gasleft();
                r = x.max(y);
            } else if (which == 5) {
                g = gasleft();
                r = x.min(y);
            } else if (which == 6) {
                g = gasleft();
                r = x.sqrt();
            } else {
                g = gasleft();
                r = x.lt(y) ? y : x;
            }
            gas_[i] = g - gasleft() - overhead;
            sink ^= F32.unwrap(r);
        }
        if (sink == type(uint256).max) gas_[0] = 0;
    }

    /// @dev Cost of the two gasleft() reads around nothing.
    function _overhead() private view returns (uint256) {
        uint256 g = gasleft();
        return g - gasleft();
    }
}
