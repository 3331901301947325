// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {F32, LibF32} from "./LibF32.sol";

/// @title LibF32Math
/// @notice The FO32 transcendental functions of docs/FO32.md §3, operation by operation as in
///         node/fo32/transcendental.ts and node/fo32/trig.ts: the same binary32 constants (bit
///         patterns), the same operations in the same order, so results are bit-identical.
/// @dev `a.add(b)` is `add(a, b)`: every expression below is the TypeScript expression with
///      each call written as a method on its first argument, so operand order and nesting are
///      the specification's. `x.flip()` is the TypeScript `-x` on a value known not to be NaN.
///      Every NaN result is 0x7FC00000 (explicit NaN returns and the LibF32 primitives).
library LibF32Math {
    using LibF32 for F32;

    F32 private constant ZERO = F32.wrap(0x00000000);
    F32 private constant NEG_ZERO = F32.wrap(0x80000000);
    F32 private constant ONE = F32.wrap(0x3F800000);
    F32 private constant NEG_ONE = F32.wrap(0xBF800000);
    F32 private constant TWO = F32.wrap(0x40000000);
    F32 private constant NEG_TWO = F32.wrap(0xC0000000);
    F32 private constant HALF = F32.wrap(0x3F000000);
    F32 private constant INF = F32.wrap(0x7F800000);
    F32 private constant NAN = F32.wrap(0x7FC00000);

    // ---- exp / expm1 (docs/FO32.md §3.1–3.4) ------------------------------------------------

    F32 private constant LOG2E = F32.wrap(0x3FB8AA3B); // 1.44269502
    F32 private constant LN2HI = F32.wrap(0x3F317200); // 15 significant bits: n·LN2HI exact, |n| < 512
    F32 private constant LN2LO = F32.wrap(0x35BFBE8E); // ln2 − LN2HI rounded
    F32 private constant MAGIC = F32.wrap(0x4B400000); // 1.5·2^23
    uint256 private constant MAGIC_BITS = 0x4B400000;
    F32 private constant EXP_OVF = F32.wrap(0x42B17217); // 88.7228317
    F32 private constant NEG_EXP_OVF = F32.wrap(0xC2B17217); // −88.7228317
    F32 private constant EXP_UNF = F32.wrap(0xC2D00000); // −104
    F32 private constant EXPM1_NEG = F32.wrap(0xC1900000); // −18

    F32 private constant E0 = F32.wrap(0x3EFFFFFF);
    F32 private constant E1 = F32.wrap(0x3E2AAA59);
    F32 private constant E2 = F32.wrap(0x3D2AAB7B);
    F32 private constant E3 = F32.wrap(0x3C09136C);
    F32 private constant E4 = F32.wrap(0x3AB5CC96);

    /// @dev expm1K(r) ≈ e^r − 1 for |r| ≤ 0.3475.
    function _expm1Kernel(F32 r) private pure returns (F32) {
        // q = add(E0, mul(r, add(E1, mul(r, add(E2, mul(r, add(E3, mul(r, E4))))))))
        F32 q = E0.add(r.mul(E1.add(r.mul(E2.add(r.mul(E3.add(r.mul(E4))))))));
        // add(r, mul(mul(r, r), q))
        return r.add(r.mul(r).mul(q));
    }

    /// @dev n = bits(k) − MAGIC_BITS for k = add(v, MAGIC) with |v| < 2^22: k is a normal
    ///      binary32 in [2^23, 2^24) whose fraction field holds 2^22 + n.
    function _magicInt(F32 k) private pure returns (int256) {
        return int256(uint256(F32.unwrap(k))) - int256(MAGIC_BITS);
    }

    /// @notice Cody–Waite reduction x = n·ln2 + r (|x| ≤ 128), FO32.md §3.2 `reduceLn2`.
    /// @param x A binary32 with |x| ≤ 128 (callers have already cut off overflow/underflow).
    /// @return r (x − n·LN2HI) − n·LN2LO (the first difference exact), |r| ≤ 0.3475.
    /// @return n round(x·log2 e), ties to even, read from the MAGIC-shifted pattern.
    function _reduceLn2(F32 x) private pure returns (F32 r, int256 n) {
        F32 k = x.mul(LOG2E).add(MAGIC);
        n = _magicInt(k);
        F32 nf = k.sub(MAGIC);
        F32 hi = x.sub(nf.mul(LN2HI));
        F32 lo = nf.mul(LN2LO);
        r = hi.sub(lo);
    }

    /// @notice e^x (Exp = 11), docs/FO32.md §3.3: reduceLn2, expm1K, one final `scale`.
    /// @param x Any binary32 (bit pattern).
    /// @return e^x; NaN → NaN, x > EXP_OVF → +inf, x < EXP_UNF → +0, exp(±0) = 1.
    function exp(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        if (x.gt(EXP_OVF)) return INF;
        if (x.lt(EXP_UNF)) return ZERO;
        (F32 r, int256 n) = _reduceLn2(x);
        return ONE.add(_expm1Kernel(r)).scale(n);
    }

    /// @notice exp(a + b) as y·2^n (y not yet scaled) for a exact and a small tail b: Gelu's
    ///         tail, FO32.md §3.7 (A = −xh²/2, B the rest of −x²/2).
    /// @param a The exact head A.
    /// @param b The small tail B, subtracted from the low part of the reduction.
    /// @return y 1 + expm1K(hi − lo), so e^{a+b} = y·2^n.
    /// @return n The power of two still to apply (by `scale`).
    function _expTail(F32 a, F32 b) private pure returns (F32 y, int256 n) {
        F32 k = a.add(b).mul(LOG2E).add(MAGIC);
        n = _magicInt(k);
        F32 nf = k.sub(MAGIC);
        F32 hi = a.sub(nf.mul(LN2HI));
        F32 lo = nf.mul(LN2LO).sub(b);
        y = ONE.add(_expm1Kernel(hi.sub(lo)));
    }

    /// @notice e^x − 1 (internal to tanh, Elu, Selu; docs/FO32.md §3.4).
    /// @param x Any binary32 (bit pattern).
    /// @return e^x − 1; NaN → NaN, x > EXP_OVF → +inf, x < −18 → −1, ±0 → x (keeps −0).
    function expm1(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        if (x.gt(EXP_OVF)) return INF;
        if (x.lt(EXPM1_NEG)) return NEG_ONE;
        if (x.isZero()) return x; // keeps −0
        (F32 r, int256 n) = _reduceLn2(x);
        F32 p = _expm1Kernel(r);
        if (n == 0) return p; // r = x exactly
        // n ∈ [−26, 128] here (x ∈ [−18, 88.73]): pow2's argument is in range.
        if (n > 0) return p.add(ONE.sub(LibF32.pow2(-n))).scale(n);
        F32 t = LibF32.pow2(n);
        return p.mul(t).sub(ONE.sub(t));
    }

    // ---- log / log1p (docs/FO32.md §3.5) ----------------------------------------------------

    F32 private constant L0 = F32.wrap(0x3F2AAABD);
    F32 private constant L1 = F32.wrap(0x3ECCAF66);
    F32 private constant L2 = F32.wrap(0x3E98F11F);
    uint256 private constant SQRT2_MANT = 0x3504F3; // fraction bits of binary32 √2
    F32 private constant SQRT2M1 = F32.wrap(0x3ED413CD); // 0.414213568
    F32 private constant TWO23 = F32.wrap(0x4B000000); // 2^23
    uint256 private constant MIN_NORMAL_BITS = 0x00800000; // 2^-126

    /// @notice log(1 + u) + k·ln2 (k an integer with |k| < 512), FO32.md §3.5 `logK`.
    /// @param u f − 1 for f ∈ (√2/2, √2] (log), or 0 ≤ u < SQRT2M1 (log1p).
    /// @param k The binary exponent; k·LN2HI is exact for |k| < 512.
    /// @return log(1 + u) + k·ln2 in FO32's fixed operation order.
    function _logKernel(F32 u, int256 k) private pure returns (F32) {
        F32 s = u.div(TWO.add(u));
        F32 z = s.mul(s);
        // R = mul(z, add(L0, mul(z, add(L1, mul(z, L2))))); named R as in FO32.md §3.5.
        // solhint-disable-next-line var-name-mixedcase
        F32 R = z.mul(L0.add(z.mul(L1.add(z.mul(L2)))));
        F32 hfsq = HALF.mul(u).mul(u);
        F32 kf = LibF32.fromInt(k);
        // add(mul(k, LN2HI), sub(u, sub(hfsq, add(mul(s, add(hfsq, R)), mul(k, LN2LO)))))
        return kf.mul(LN2HI).add(u.sub(hfsq.sub(s.mul(hfsq.add(R)).add(kf.mul(LN2LO)))));
    }

    /// @notice Natural logarithm (Log = 12), docs/FO32.md §3.5: x = f·2^k, f ∈ (√2/2, √2],
    ///         then logK(f − 1, k).
    /// @param x Any binary32 (bit pattern); subnormals are scaled by 2^23 first (exact).
    /// @return ln x; NaN or x < 0 → NaN, ±0 → −inf, +inf → +inf, log(1) = +0.
    function log(F32 x) internal pure returns (F32) {
        uint256 ix = F32.unwrap(x);
        // NaN or x < 0 (−0 is not < 0) → NaN
        if (ix & LibF32.ABS_MASK > LibF32.INF_BITS || ix > LibF32.SIGN_BIT) return NAN;
        if (ix & LibF32.ABS_MASK == 0) return F32.wrap(0xFF800000); // ±0 → −inf
        if (ix == LibF32.INF_BITS) return INF;
        int256 k = 0;
        if (ix < MIN_NORMAL_BITS) {
            ix = F32.unwrap(x.mul(TWO23)); // exact: subnormal → normal
            k = -23;
        }
        // 1 ≤ exponent field ≤ 254
        k += int256(ix >> 23) - 127;
        uint256 m = ix & 0x7FFFFF;
        F32 f; // x = f·2^k with f in (√2/2, √2]
        if (m > SQRT2_MANT) {
            f = F32.wrap(uint32(m | 0x3F000000));
            k += 1;
        } else {
            f = F32.wrap(uint32(m | 0x3F800000));
        }
        return _logKernel(f.sub(ONE), k); // f − 1 is exact
    }

    /// @dev log(1 + u) for 0 ≤ u < 2^24 (softplus).
    function _log1pPos(F32 u) private pure returns (F32) {
        if (u.lt(SQRT2M1)) return _logKernel(u, 0);
        return log(ONE.add(u));
    }

    // ---- sigmoid, tanh, softplus, elu, selu (docs/FO32.md §3.6) ----------------------------

    F32 private constant SOFTPLUS_ID = F32.wrap(0x41800000); // 16

    /// @notice 1/(1 + e^−x) (Sigmoid = 9, docs/FO32.md §3.6).
    /// @param x Any binary32 (bit pattern).
    /// @return σ(x); NaN → NaN, and exp(x) itself below −EXP_OVF (where e^−x overflows to +inf).
    function sigmoid(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        if (x.lt(NEG_EXP_OVF)) return exp(x);
        return ONE.div(ONE.add(exp(x.flip())));
    }

    /// @notice tanh(x) = −t/(t + 2), t = expm1(−2|x|), sign of x restored (Tanh = 10,
    ///         docs/FO32.md §3.6).
    /// @param x Any binary32 (bit pattern).
    /// @return tanh(x); NaN → NaN, tanh(±0) = ±0, tanh(±inf) = ±1.
    function tanh(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        F32 t = expm1(NEG_TWO.mul(x.abs()));
        F32 r = t.flip().div(t.add(TWO));
        return x.signbit() ? r.flip() : r;
    }

    /// @notice log1p(e^x), = x above 16 (Softplus = 18, docs/FO32.md §3.6).
    /// @param x Any binary32 (bit pattern).
    /// @return ln(1 + e^x); NaN → NaN, x itself for x > 16.
    function softplus(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        if (x.gt(SOFTPLUS_ID)) return x;
        return _log1pPos(exp(x));
    }

    /// @notice x ≥ 0 ? x : alpha·expm1(x) (Elu = 22, docs/FO32.md §3.6).
    /// @param x The element (binary32 bit pattern).
    /// @param alpha The instruction's params[0] (ONNX default 1.0 = 0x3F800000).
    /// @return elu(x); NaN → NaN.
    function elu(F32 x, F32 alpha) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        return x.ge(ZERO) ? x : alpha.mul(expm1(x));
    }

    /// @notice x > 0 ? gamma·x : gamma·(alpha·expm1(x)) (Selu = 23, docs/FO32.md §3.6).
    /// @param x The element (binary32 bit pattern).
    /// @param alpha The instruction's params[0] (ONNX default 0x3FD62D7D ≈ 1.67326319).
    /// @param gamma The instruction's params[1] (ONNX default 0x3F867D5F ≈ 1.05070102).
    /// @return selu(x); NaN → NaN.
    function selu(F32 x, F32 alpha, F32 gamma) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        return x.gt(ZERO) ? gamma.mul(x) : gamma.mul(alpha.mul(expm1(x)));
    }

    // ---- erf / gelu (docs/FO32.md §3.7) -----------------------------------------------------

    F32 private constant P0 = F32.wrap(0x3E0375D4);
    F32 private constant P1 = F32.wrap(0xBEC0939D);
    F32 private constant P2 = F32.wrap(0x3DE71567);
    F32 private constant P3 = F32.wrap(0xBCDBD3AE);
    F32 private constant P4 = F32.wrap(0x3BA78C44);
    F32 private constant P5 = F32.wrap(0xBA309F16);
    F32 private constant ERF_SPLIT = F32.wrap(0x3F400000); // 0.75
    F32 private constant NEG_ERF_SPLIT = F32.wrap(0xBF400000); // −0.75
    F32 private constant ERF_ONE = F32.wrap(0x40800000); // 4
    F32 private constant INV_SQRT2 = F32.wrap(0x3F3504F3);
    F32 private constant GELU_ZERO = F32.wrap(0xC1680000); // −14.5

    // erfcScaled pieces (docs/FO32.md §3.7): per piece, bound and centre, and the coefficients
    // k0..k7 packed big-endian into one word (k0 in the top 32 bits).
    uint256 private constant PIECE0_BOUND = 0x3F900000;
    uint256 private constant PIECE1_BOUND = 0x3FD00000;
    uint256 private constant PIECE2_BOUND = 0x40180000;
    uint256 private constant PIECE3_BOUND = 0x40600000;
    uint256 private constant PIECE4_BOUND = 0x40A80000;
    uint256 private constant PIECE5_BOUND = 0x40F80000;
    uint256 private constant PIECE0_C = 0x3F700000;
    uint256 private constant PIECE1_C = 0x3FB00000;
    uint256 private constant PIECE2_C = 0x40000000;
    uint256 private constant PIECE3_C = 0x403C0000;
    uint256 private constant PIECE4_C = 0x408C0000;
    uint256 private constant PIECE5_C = 0x40D00000;
    uint256 private constant PIECE6_C = 0x41120000;
    uint256 private constant PIECE0_K = 0x3EE3FC0ABE9642583E2E3AB4BDB6E4BF3D32283EBCA19FDD3B43C3EA3A09D632;
    uint256 private constant PIECE1_K = 0x3EAFC47BBE3CBD323DB807CDBD25E5493C8D2CC5BBE142FF3A855EA0B9302403;
    uint256 private constant PIECE2_K = 0x3E82C339BDDAB81B3D2B38CFBC7D4D473BB29614BAF0C1913A124581B92C6E89;
    uint256 private constant PIECE3_K = 0x3E3AD778BD670FC33C893FD9BB9D3BFE3AADD1DBB9BAB01D38D70443B7DFC9F0;
    uint256 private constant PIECE4_K = 0x3E00D7E6BCE0A5B83BBFA90FBAA0379C398339E1B8535D4537313840B60919CE;
    uint256 private constant PIECE5_K = 0x3DAFBAE2BC5371683AFBB003B9943C58382CA0FDB6C75F733572C9ACB408EC62;
    uint256 private constant PIECE6_K = 0x3D7BC1E7BBDA24F13A3BF057B8A102AB37095D42B568C0E433C0A0FEB221FB95;

    /// @dev erfSmall(x) = x + x·p(x²) for |x| < 0.75 (docs/FO32.md §3.7); odd, so erf(−0) = −0.
    function _erfSmall(F32 x) private pure returns (F32) {
        F32 z = x.mul(x);
        // p = add(P0, mul(z, add(P1, mul(z, add(P2, mul(z, add(P3, mul(z, add(P4, mul(z, P5))))))))))
        F32 p = P0.add(z.mul(P1.add(z.mul(P2.add(z.mul(P3.add(z.mul(P4.add(z.mul(P5))))))))));
        return x.add(x.mul(p));
    }

    /// @dev R(a) = erfc(a)·e^{a²} for a in [0.75, 10.5) (a positive, so its pattern orders it).
    function _erfcScaled(F32 a) private pure returns (F32) {
        uint256 ab = F32.unwrap(a);
        uint256 c;
        uint256 k;
        if (ab < PIECE0_BOUND) (c, k) = (PIECE0_C, PIECE0_K);
        else if (ab < PIECE1_BOUND) (c, k) = (PIECE1_C, PIECE1_K);
        else if (ab < PIECE2_BOUND) (c, k) = (PIECE2_C, PIECE2_K);
        else if (ab < PIECE3_BOUND) (c, k) = (PIECE3_C, PIECE3_K);
        else if (ab < PIECE4_BOUND) (c, k) = (PIECE4_C, PIECE4_K);
        else if (ab < PIECE5_BOUND) (c, k) = (PIECE5_C, PIECE5_K);
        else (c, k) = (PIECE6_C, PIECE6_K);
        F32 u = a.sub(F32.wrap(uint32(c)));
        // p = k7; for j = 6 … 0: p = add(k_j, mul(u, p)). k_j is word bits [255−32j, 224−32j].
        F32 p = F32.wrap(uint32(k));
        for (uint256 j = 6; ;) {
            p = F32.wrap(uint32(k >> (224 - 32 * j))).add(u.mul(p));
            if (j == 0) break;
            unchecked {
                --j; // j ≥ 1 here
            }
        }
        return p;
    }

    /// @notice Error function (Erf = 14, docs/FO32.md §3.7): erfSmall below |x| = 0.75, else
    ///         1 − e^{−x²}·erfcScaled(|x|) with the sign of x.
    /// @param x Any binary32 (bit pattern).
    /// @return erf(x); NaN → NaN, ±1 for |x| ≥ 4, erf(±0) = ±0.
    function erf(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        F32 a = x.abs();
        if (a.lt(ERF_SPLIT)) return _erfSmall(x);
        F32 r = a.ge(ERF_ONE) ? ONE : ONE.sub(exp(a.mul(a).flip()).mul(_erfcScaled(a)));
        return x.lt(ZERO) ? r.flip() : r;
    }

    /// @notice 0.5·x·(1 + erf(x/√2)) with an exactly split tail below x/√2 = −0.75 (Gelu = 19,
    ///         docs/FO32.md §3.7).
    /// @param x Any binary32 (bit pattern).
    /// @return gelu(x); NaN → NaN, +inf → +inf, x < −14.5 → −0 (|gelu| < 2^-150 there).
    function gelu(F32 x) internal pure returns (F32) {
        if (x.isNaN()) return NAN;
        if (F32.unwrap(x) == LibF32.INF_BITS) return x;
        if (x.lt(GELU_ZERO)) return NEG_ZERO;
        F32 z = x.mul(INV_SQRT2);
        if (z.ge(NEG_ERF_SPLIT)) return HALF.mul(x).mul(ONE.add(erf(z)));
        F32 xh = F32.wrap(F32.unwrap(x) & 0xFFFFF000);
        F32 a2 = xh.mul(xh).mul(HALF).flip(); // exact
        F32 b2 = x.sub(xh).mul(x.add(xh)).mul(HALF).flip();
        (F32 y, int256 n) = _expTail(a2, b2);
        // |x·R·y| is in [0.33, 1.2] and n ≥ −152, so scale's first product is exact
        return x.mul(_erfcScaled(z.flip())).mul(y).scale(n - 1);
    }

    // ---- pow (docs/FO32.md §3.9) --------------------------------------------------------------

    uint256 private constant TWO24_BITS = 0x4B800000; // 2^24
    uint256 private constant POW_INT_MAX_BITS = 0x41800000; // 16

    /// @dev y finite, not NaN: y is an integer.
    function _isInt(F32 y) private pure returns (bool) {
        return F32.unwrap(y.floor()) == F32.unwrap(y);
    }

    /// @dev y finite, not NaN: |y| < 2^24, y an integer and |y| mod 2 = 1.
    function _isOddInt(F32 y) private pure returns (bool) {
        uint256 mag = F32.unwrap(y) & LibF32.ABS_MASK;
        if (mag >= TWO24_BITS || !_isInt(y)) return false;
        return y.magnitudeToUint() & 1 == 1;
    }

    /// @dev x^N for an integer 1 ≤ N ≤ 16: square-and-multiply from the least significant bit
    ///      (docs/FO32.md §3.9 rule 8, whose name N the parameter keeps).
    // solhint-disable-next-line var-name-mixedcase
    function _powInt(F32 x, uint256 N) private pure returns (F32 acc) {
        acc = ONE;
        F32 base = x;
        for (;;) {
            if (N & 1 == 1) acc = acc.mul(base);
            N >>= 1;
            if (N == 0) return acc;
            base = base.mul(base);
        }
    }

    /// @notice x^y (Pow = 70): IEEE special cases, then the rules of docs/FO32.md §3.9.
    /// @param x The base (binary32 bit pattern).
    /// @param y The exponent (binary32 bit pattern).
    /// @return x^y by the first matching rule 1–10 of §3.9: e.g. y = ±0 → 1 even for NaN x,
    ///         y = 0.5 → sqrt(x), integer |y| ≤ 16 by repeated squaring, else exp(y·log|x|).
    function pow(F32 x, F32 y) internal pure returns (F32) {
        if (y.isZero()) return ONE;
        if (F32.unwrap(x) == F32.unwrap(ONE)) return ONE;
        if (x.isNaN() || y.isNaN()) return NAN;
        F32 ax = x.abs();
        if (y.isInf()) {
            if (F32.unwrap(ax) == F32.unwrap(ONE)) return ONE;
            return ax.lt(ONE) == y.gt(ZERO) ? ZERO : INF;
        }
        if (x.isZero()) {
            if (_isOddInt(y)) return y.gt(ZERO) ? x : ONE.div(x); // ±0 / ±inf with x's sign
            return y.gt(ZERO) ? ZERO : INF;
        }
        if (ax.isInf()) {
            F32 limit = y.gt(ZERO) ? INF : ZERO;
            return x.lt(ZERO) && _isOddInt(y) ? limit.flip() : limit;
        }
        if (F32.unwrap(y) == F32.unwrap(HALF)) return x.sqrt();
        F32 ay = y.abs();
        bool yInt = _isInt(y);
        // Repeated squaring only for |y| ≤ 16 (its error doubles at each squaring).
        if (yInt && F32.unwrap(ay) <= POW_INT_MAX_BITS) {
            F32 p = _powInt(x, ay.magnitudeToUint());
            return y.lt(ZERO) ? ONE.div(p) : p;
        }
        if (x.lt(ZERO) && !yInt) return NAN;
        // remaining: x > 0 with non-integer y, or an integer |y| > 16 (x of either sign)
        F32 r = exp(y.mul(log(ax)));
        return x.lt(ZERO) && _isOddInt(y) ? r.flip() : r;
    }

    // ---- sin / cos (docs/FO32.md §3.8) ---------------------------------------------------------

    uint256 private constant PIO4_BITS = 0x3F490FDB; // binary32 nearest π/4 (above π/4)
    /// @dev ⌊2/π·2^232⌋ (< 2^232) and ⌊π/2·2^126⌋ (< 2^127).
    uint256 private constant TWO_OVER_PI_232 = 0xa2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abde;
    uint256 private constant PIO2_126 = 0x6487ed5110b4611a62633145c06e0e68;

    F32 private constant S0 = F32.wrap(0xBE2AAAA3);
    F32 private constant S1 = F32.wrap(0x3C0883BC);
    F32 private constant S2 = F32.wrap(0xB94CAA00);
    F32 private constant C0 = F32.wrap(0x3D2AAAA5);
    F32 private constant C1 = F32.wrap(0xBAB60614);
    F32 private constant C2 = F32.wrap(0x37CCF406);

    /// @notice a = |x| finite with a ≥ PIO4. Returns r = a − n·π/2 rounded once and n mod 4,
    ///         n = round(a·2/π) (trig.ts `reducePio2`; exact integer Payne–Hanek reduction).
    /// @param a |x|, finite, ≥ PIO4 (pattern 0x3F490FDB).
    /// @return r a − n·π/2, |r| ≤ π/4, rounded once by roundPack.
    /// @return quadrant n mod 4: picks sinK or cosK and the result's sign.
    function _reducePio2(F32 a) private pure returns (F32 r, uint256 quadrant) {
        uint256 ix = F32.unwrap(a);
        uint256 m = (ix & 0x7FFFFF) | 0x800000;
        unchecked {
            // a ≥ PIO4 and finite: exponent field ∈ [126, 254], e ∈ [−24, 104], S ∈ [128, 256].
            // S, P, F are named as in docs/FO32.md §3.8 reducePio2.
            // solhint-disable-next-line var-name-mixedcase
            uint256 S = 232 + 150 - ((ix >> 23) & 0xFF);
            // solhint-disable-next-line var-name-mixedcase
            uint256 P = m * TWO_OVER_PI_232; // < 2^24·2^232 = 2^256
            uint256 q = P >> S; // S = 256 gives 0, as P < 2^256
            // 2^S − 1; for S = 256 the EVM's 1 << 256 is 0 and 0 − 1 wraps to 2^256 − 1, which
            // is the right mask (every bit of P is fraction).
            // solhint-disable-next-line var-name-mixedcase
            uint256 F = P & ((uint256(1) << S) - 1);
            uint256 sign = 0;
            if (F >= uint256(1) << (S - 1)) {
                // fraction ≥ 1/2: round n up, r negative. 2^S − F: for S = 256, 0 − F wraps to
                // 2^256 − F, the exact value (F > 0).
                q += 1;
                F = (uint256(1) << S) - F;
                sign = 1;
            }
            quadrant = q & 3;
            uint256 f128 = F >> (S - 128); // |f|·2^128 ≤ 2^127
            // |f|·π/2 = f128·PIO2_126·2^-254; the product is < 2^127·2^127 = 2^254
            r = LibF32.roundPack(sign, -254, f128 * PIO2_126);
        }
    }

    /// @dev sinK(r) ≈ sin r for |r| ≤ π/4 (docs/FO32.md §3.8).
    function _sinKernel(F32 r) private pure returns (F32) {
        F32 z = r.mul(r);
        // add(r, mul(mul(z, r), add(S0, mul(z, add(S1, mul(z, S2))))))
        return r.add(z.mul(r).mul(S0.add(z.mul(S1.add(z.mul(S2))))));
    }

    /// @dev cosK(r) ≈ cos r for |r| ≤ π/4 (docs/FO32.md §3.8); (1 − w) − hz is w's exact error.
    function _cosKernel(F32 r) private pure returns (F32) {
        F32 z = r.mul(r);
        F32 hz = HALF.mul(z);
        F32 w = ONE.sub(hz);
        // add(w, add(sub(sub(1, w), hz), mul(mul(z, z), add(C0, mul(z, add(C1, mul(z, C2)))))))
        return w.add(ONE.sub(w).sub(hz).add(z.mul(z).mul(C0.add(z.mul(C1.add(z.mul(C2)))))));
    }

    /// @notice sin(x) (Sin = 20, docs/FO32.md §3.8); NaN and ±inf → NaN.
    /// @param x Any binary32 (bit pattern), radians; every finite x is reduced exactly.
    /// @return sin(x) with the sign of x applied last (sin(−0) = −0).
    function sin(F32 x) internal pure returns (F32) {
        uint256 ix = F32.unwrap(x);
        uint256 ia = ix & LibF32.ABS_MASK;
        if (ia >= LibF32.INF_BITS) return NAN;
        F32 a = F32.wrap(uint32(ia));
        F32 s;
        if (ia < PIO4_BITS) {
            s = _sinKernel(a);
        } else {
            (F32 r, uint256 quadrant) = _reducePio2(a);
            s = quadrant & 1 == 1 ? _cosKernel(r) : _sinKernel(r);
            if (quadrant & 2 == 2) s = s.flip();
        }
        // sin is odd: apply the sign of x (also for x = −0)
        return ix & LibF32.SIGN_BIT != 0 ? s.flip() : s;
    }

    /// @notice cos(x) (Cos = 21, docs/FO32.md §3.8); NaN and ±inf → NaN.
    /// @param x Any binary32 (bit pattern), radians; every finite x is reduced exactly.
    /// @return cos(x).
    function cos(F32 x) internal pure returns (F32) {
        uint256 ia = F32.unwrap(x) & LibF32.ABS_MASK;
        if (ia >= LibF32.INF_BITS) return NAN;
        F32 a = F32.wrap(uint32(ia));
        if (ia < PIO4_BITS) return _cosKernel(a);
        (F32 r, uint256 quadrant) = _reducePio2(a);
        F32 c = quadrant & 1 == 1 ? _sinKernel(r) : _cosKernel(r);
        // quadrants 1 and 2 are negative: cos(r + π/2) = −sin r, cos(r + π) = −cos r
        return quadrant == 1 || quadrant == 2 ? c.flip() : c;
    }
}
