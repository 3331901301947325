// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {F32, LibF32} from "./LibF32.sol";
import {LibF32Math} from "./LibF32Math.sol";
import {MapOp} from "./Isa.sol";

/// @title LibMapOps
/// @notice The elementwise operations (`MapOp` of node/program/isa.ts, codes generated into
///         Isa.sol) of Map instructions and Dot epilogues, defined in docs/FO32.md §2–3 and mirrored from node/fo32/index.ts.
///         Every result is canonical: a NaN result is exactly 0x7FC00000.
library LibMapOps {
    using LibF32 for F32;

    /// @notice `op` is not a unary MapOp (unary), a binary MapOp (binary) or a ternary one (ternary).
    error LibMapOps_UnknownOp(uint8 op);

    F32 private constant ZERO = F32.wrap(0x00000000);
    F32 private constant ONE = F32.wrap(0x3F800000);
    F32 private constant NEG_ONE = F32.wrap(0xBF800000);
    F32 private constant TWO23 = F32.wrap(0x4B000000); // 2^23

    // ONNX attribute defaults (node/fo32/index.ts), used when an instruction has fewer params.
    F32 internal constant LEAKY_ALPHA = F32.wrap(0x3C23D70A); // 0.01
    F32 internal constant HSIG_ALPHA = F32.wrap(0x3E4CCCCD); // 0.2
    F32 internal constant HSIG_BETA = F32.wrap(0x3F000000); // 0.5
    F32 internal constant HSWISH_ALPHA = F32.wrap(0x3E2AAAAB); // f32(1/6)
    F32 internal constant ELU_ALPHA = F32.wrap(0x3F800000); // 1
    F32 internal constant SELU_ALPHA = F32.wrap(0x3FD62D7D); // 1.67326319
    F32 internal constant SELU_GAMMA = F32.wrap(0x3F867D5F); // 1.05070102

    /// @notice The ONNX default of `params[i]` (i = 0, 1) of a unary op, for instructions that
    ///         carry fewer params (docs/FO32.md §1 "Parameters"); +0 where the op reads none.
    /// @param op A unary MapOp code.
    /// @param i The param's position: 0 or 1.
    /// @return The default as a binary32.
    function defaultParam(uint8 op, uint256 i) internal pure returns (F32) {
        if (op == MapOp.LEAKY_RELU) return i == 0 ? LEAKY_ALPHA : ZERO;
        if (op == MapOp.CLIP) return i == 0 ? LibF32.NEG_INF : LibF32.POS_INF;
        if (op == MapOp.HARD_SIGMOID) return i == 0 ? HSIG_ALPHA : HSIG_BETA;
        if (op == MapOp.ELU) return i == 0 ? ELU_ALPHA : ZERO;
        if (op == MapOp.SELU) return i == 0 ? SELU_ALPHA : SELU_GAMMA;
        return ZERO;
    }

    /// @notice A unary MapOp (or Dot epilogue; None = 0 and Identity = 1 return x) with its
    ///         params p0 = params[0], p1 = params[1] (the caller supplies defaultParam(op, i)
    ///         when the instruction carries fewer). Reverts with LibMapOps_UnknownOp otherwise.
    /// @dev Dispatch is a two-level range split (ops 0–4, 5–9, 10–18, 19–26) to keep the
    ///      comparison chain short. Every LibF32 / LibF32Math result is already canonical; only
    ///      the branches that return x itself canonicalize.
    /// @param op A unary MapOp code (< FIRST_BINARY_MAP_OP).
    /// @param x The operand read from inputs[0].
    /// @param p0 params[0] or its default (alpha, min, …).
    /// @param p1 params[1] or its default (beta, max, gamma, …).
    /// @return The canonical result.
    function unary(uint8 op, F32 x, F32 p0, F32 p1) internal pure returns (F32) {
        if (op < MapOp.HARD_SIGMOID) {
            if (op <= MapOp.IDENTITY) return x.canonical();
            if (op == MapOp.RELU) return x.isNaN() ? LibF32.NAN : (x.gt(ZERO) ? x : ZERO);
            if (op == MapOp.NEG) return x.neg();
            if (op == MapOp.ABS) return x.abs();
            if (op == MapOp.LEAKY_RELU) return x.lt(ZERO) ? p0.mul(x) : x.canonical();
            if (op == MapOp.CLIP) return x.max(p0).min(p1);
        } else if (op < MapOp.TANH) {
            if (op == MapOp.HARD_SIGMOID) return _hardSigmoid(x, p0, p1);
            if (op == MapOp.HARD_SWISH) return _hardSwish(x);
            return LibF32Math.sigmoid(x); // SIGMOID
        } else if (op < MapOp.GELU) {
            if (op == MapOp.TANH) return LibF32Math.tanh(x);
            if (op == MapOp.EXP) return LibF32Math.exp(x);
            if (op == MapOp.LOG) return LibF32Math.log(x);
            if (op == MapOp.SQRT) return x.sqrt();
            if (op == MapOp.ERF) return LibF32Math.erf(x);
            if (op == MapOp.RECIPROCAL) return ONE.div(x);
            if (op == MapOp.FLOOR) return x.floor();
            if (op == MapOp.CEIL) return x.ceil();
            return LibF32Math.softplus(x); // SOFTPLUS
        } else {
            if (op == MapOp.GELU) return LibF32Math.gelu(x);
            if (op == MapOp.SIN) return LibF32Math.sin(x);
            if (op == MapOp.COS) return LibF32Math.cos(x);
            if (op == MapOp.ELU) return LibF32Math.elu(x, p0);
            if (op == MapOp.SELU) return LibF32Math.selu(x, p0, p1);
            if (op == MapOp.SOFTSIGN) return _softsign(x);
            if (op == MapOp.SIGN) return _sign(x);
            if (op == MapOp.ROUND) return _round(x);
        }
        revert LibMapOps_UnknownOp(op);
    }

    /// @notice A binary MapOp on (x, y). Reverts with LibMapOps_UnknownOp for other codes.
    /// @param op A binary MapOp code (≥ FIRST_BINARY_MAP_OP).
    /// @param x The operand read from inputs[0].
    /// @param y The operand read from inputs[1] (the slope, for PRelu).
    /// @return The canonical result.
    function binary(uint8 op, F32 x, F32 y) internal pure returns (F32) {
        if (op == MapOp.ADD) return x.add(y);
        if (op == MapOp.MUL) return x.mul(y);
        if (op == MapOp.SUB) return x.sub(y);
        if (op == MapOp.DIV) return x.div(y);
        if (op == MapOp.MAX) return x.max(y);
        if (op == MapOp.MIN) return x.min(y);
        if (op == MapOp.POW) return LibF32Math.pow(x, y);
        // x < 0 ? mul(x, y) : x
        if (op == MapOp.PRELU) return x.lt(ZERO) ? x.mul(y) : x.canonical();
        // Comparisons: 1.0 or +0; IEEE order (−0 = +0, NaN compares false).
        if (op == MapOp.EQUAL) return x.eq(y) ? ONE : ZERO;
        if (op == MapOp.LESS) return x.lt(y) ? ONE : ZERO;
        if (op == MapOp.LESS_OR_EQUAL) return x.le(y) ? ONE : ZERO;
        revert LibMapOps_UnknownOp(op);
    }

    /// @notice A ternary MapOp on (c, x, y): Where, x if c is not ±0 (a NaN c counts as
    ///         true), else y. Reverts with LibMapOps_UnknownOp for other codes.
    /// @param op A ternary MapOp code (≥ FIRST_TERNARY_MAP_OP).
    /// @param c The condition, read from inputs[0].
    /// @param x The value if true, read from inputs[1].
    /// @param y The value if false, read from inputs[2].
    /// @return The canonical result.
    function ternary(uint8 op, F32 c, F32 x, F32 y) internal pure returns (F32) {
        if (op == MapOp.WHERE) return (F32.unwrap(c) & 0x7FFFFFFF) != 0 ? x.canonical() : y.canonical();
        revert LibMapOps_UnknownOp(op);
    }

    /// @dev max(0, min(1, add(mul(alpha, x), beta))).
    function _hardSigmoid(F32 x, F32 alpha, F32 beta) private pure returns (F32) {
        return ZERO.max(ONE.min(alpha.mul(x).add(beta)));
    }

    /// @dev x = −inf → −0 (the limit, not inf·0); else mul(x, hardSigmoid(x, f32(1/6), 0.5)).
    function _hardSwish(F32 x) private pure returns (F32) {
        if (F32.unwrap(x) == F32.unwrap(LibF32.NEG_INF)) return LibF32.NEG_ZERO;
        return x.mul(_hardSigmoid(x, HSWISH_ALPHA, HSIG_BETA));
    }

    /// @dev ±inf → ±1 (the limit); else div(x, add(1, |x|)) (NaN → NaN).
    function _softsign(F32 x) private pure returns (F32) {
        if (F32.unwrap(x) == F32.unwrap(LibF32.POS_INF)) return ONE;
        if (F32.unwrap(x) == F32.unwrap(LibF32.NEG_INF)) return NEG_ONE;
        return x.div(ONE.add(x.abs()));
    }

    /// @dev NaN → NaN; x > 0 → 1; x < 0 → −1; ±0 → x.
    function _sign(F32 x) private pure returns (F32) {
        if (x.isNaN()) return LibF32.NAN;
        if (x.gt(ZERO)) return ONE;
        if (x.lt(ZERO)) return NEG_ONE;
        return x;
    }

    /// @dev Round half to even: a = |x| < 2^23 is rounded by sub(add(a, 2^23), 2^23), sign restored.
    function _round(F32 x) private pure returns (F32) {
        if (x.isNaN()) return LibF32.NAN;
        F32 a = x.abs();
        if (a.ge(TWO23)) return x; // integral already (or ±inf)
        F32 r = a.add(TWO23).sub(TWO23);
        return x.signbit() ? r.flip() : r;
    }
}
