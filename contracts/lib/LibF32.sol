// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice A binary32 value carried as its bit pattern (docs/PROTOCOL.md §1). Bit 31 is the
///         sign, bits 30..23 the biased exponent, bits 22..0 the fraction.
type F32 is uint32;

using LibF32 for F32 global;

/// @title LibF32
/// @notice FO32 primitives on binary32 bit patterns: add, sub, mul, div, sqrt correctly
///         rounded (round to nearest, ties to even), subnormals kept, overflow to ±inf,
///         every NaN result the canonical quiet NaN 0x7FC00000 (docs/FO32.md §1).
/// @dev A line-by-line port of node/fo32/softfloat.ts: operands are unpacked to m·2^e with a
///      normalized 24-bit m, the exact result (or a sticky-bit stand-in that rounds the same)
///      is formed in a uint256 and rounded once by `roundPack`. Test vectors generated from
///      node/fo32 are replayed against this library in test/evm-fo32.test.ts.
library LibF32 {
    /// @notice The canonical quiet NaN: every NaN result is exactly this pattern.
    F32 internal constant NAN = F32.wrap(0x7FC00000);
    F32 internal constant POS_ZERO = F32.wrap(0x00000000);
    F32 internal constant NEG_ZERO = F32.wrap(0x80000000);
    F32 internal constant ONE = F32.wrap(0x3F800000);
    F32 internal constant POS_INF = F32.wrap(0x7F800000);
    F32 internal constant NEG_INF = F32.wrap(0xFF800000);

    uint256 internal constant QNAN_BITS = 0x7FC00000;
    uint256 internal constant INF_BITS = 0x7F800000;
    uint256 internal constant SIGN_BIT = 0x80000000;
    uint256 internal constant ABS_MASK = 0x7FFFFFFF;

    // ---------------------------------------------------------------------------------------
    // Classification and exact operations
    // ---------------------------------------------------------------------------------------

    function isNaN(F32 a) internal pure returns (bool) {
        return F32.unwrap(a) & ABS_MASK > INF_BITS;
    }

    function isInf(F32 a) internal pure returns (bool) {
        return F32.unwrap(a) & ABS_MASK == INF_BITS;
    }

    /// @notice True for +0 and −0.
    function isZero(F32 a) internal pure returns (bool) {
        return F32.unwrap(a) & ABS_MASK == 0;
    }

    /// @notice Bit 31 (true for −0 and for negative values; meaningless for NaN).
    function signbit(F32 a) internal pure returns (bool) {
        return F32.unwrap(a) & SIGN_BIT != 0;
    }

    /// @notice NaN → 0x7FC00000, every other value unchanged.
    function canonical(F32 a) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            r := and(a, 0xffffffff)
            if gt(and(r, 0x7fffffff), 0x7f800000) { r := 0x7fc00000 }
        }
    }

    /// @notice −x (sign flip); NaN → canonical NaN.
    function neg(F32 a) internal pure returns (F32) {
        if (isNaN(a)) return NAN;
        return F32.wrap(F32.unwrap(a) ^ uint32(SIGN_BIT));
    }

    /// @notice |x| (sign cleared, so −0 → +0); NaN → canonical NaN.
    function abs(F32 a) internal pure returns (F32) {
        if (isNaN(a)) return NAN;
        return F32.wrap(F32.unwrap(a) & uint32(ABS_MASK));
    }

    /// @notice −x without the NaN check: only for values known not to be NaN.
    function flip(F32 a) internal pure returns (F32) {
        return F32.wrap(F32.unwrap(a) ^ uint32(SIGN_BIT));
    }

    // ---------------------------------------------------------------------------------------
    // Comparisons (IEEE: NaN unordered, −0 = +0)
    //
    // For a non-NaN pattern x, key(x) = ±(x & 0x7FFFFFFF) (minus when the sign bit is set) is
    // a signed integer with the order of the values, and −0, +0 both map to 0. In assembly:
    // with m = 0 − signbit (0 or all ones), key = ((x & 0x7FFFFFFF) ^ m) − m.
    // ---------------------------------------------------------------------------------------

    function lt(F32 a, F32 b) internal pure returns (bool r) {
        assembly ("memory-safe") {
            let ax := and(a, 0x7fffffff)
            let ay := and(b, 0x7fffffff)
            let mx := sub(0, and(shr(31, a), 1))
            let my := sub(0, and(shr(31, b), 1))
            let ordered := and(lt(ax, 0x7f800001), lt(ay, 0x7f800001))
            r := and(ordered, slt(sub(xor(ax, mx), mx), sub(xor(ay, my), my)))
        }
    }

    function le(F32 a, F32 b) internal pure returns (bool r) {
        assembly ("memory-safe") {
            let ax := and(a, 0x7fffffff)
            let ay := and(b, 0x7fffffff)
            let mx := sub(0, and(shr(31, a), 1))
            let my := sub(0, and(shr(31, b), 1))
            let ordered := and(lt(ax, 0x7f800001), lt(ay, 0x7f800001))
            r := and(ordered, iszero(sgt(sub(xor(ax, mx), mx), sub(xor(ay, my), my))))
        }
    }

    function gt(F32 a, F32 b) internal pure returns (bool r) {
        assembly ("memory-safe") {
            let ax := and(a, 0x7fffffff)
            let ay := and(b, 0x7fffffff)
            let mx := sub(0, and(shr(31, a), 1))
            let my := sub(0, and(shr(31, b), 1))
            let ordered := and(lt(ax, 0x7f800001), lt(ay, 0x7f800001))
            r := and(ordered, sgt(sub(xor(ax, mx), mx), sub(xor(ay, my), my)))
        }
    }

    function ge(F32 a, F32 b) internal pure returns (bool r) {
        assembly ("memory-safe") {
            let ax := and(a, 0x7fffffff)
            let ay := and(b, 0x7fffffff)
            let mx := sub(0, and(shr(31, a), 1))
            let my := sub(0, and(shr(31, b), 1))
            let ordered := and(lt(ax, 0x7f800001), lt(ay, 0x7f800001))
            r := and(ordered, iszero(slt(sub(xor(ax, mx), mx), sub(xor(ay, my), my))))
        }
    }

    function eq(F32 a, F32 b) internal pure returns (bool r) {
        assembly ("memory-safe") {
            let ax := and(a, 0x7fffffff)
            let ay := and(b, 0x7fffffff)
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            // equal patterns, or both zeros; never for NaN
            r := and(lt(ax, 0x7f800001), or(eq(x, y), iszero(or(ax, ay))))
        }
    }

    /// @notice NaN if either is NaN; the larger value; max(−0, +0) = +0.
    function max(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            let mx := sub(0, shr(31, x))
            let my := sub(0, shr(31, y))
            let kx := sub(xor(ax, mx), mx)
            let ky := sub(xor(ay, my), my)
            // different keys: the larger; equal keys: equal patterns, or ±0 where the AND of
            // the two patterns is −0 only if both are −0
            r := and(x, y)
            if sgt(kx, ky) { r := x }
            if slt(kx, ky) { r := y }
            if or(gt(ax, 0x7f800000), gt(ay, 0x7f800000)) { r := 0x7fc00000 }
        }
    }

    /// @notice NaN if either is NaN; the smaller value; min(−0, +0) = −0.
    function min(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            let mx := sub(0, shr(31, x))
            let my := sub(0, shr(31, y))
            let kx := sub(xor(ax, mx), mx)
            let ky := sub(xor(ay, my), my)
            // equal keys: the OR of ±0 patterns is −0 if either is −0
            r := or(x, y)
            if slt(kx, ky) { r := x }
            if sgt(kx, ky) { r := y }
            if or(gt(ax, 0x7f800000), gt(ay, 0x7f800000)) { r := 0x7fc00000 }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Rounding to integers (exact)
    // ---------------------------------------------------------------------------------------

    /// @notice Largest integer ≤ x; ±0, ±inf unchanged; NaN → canonical NaN; floor(−0.5) = −1.
    function floor(F32 a) internal pure returns (F32) {
        return F32.wrap(uint32(_toIntegral(F32.unwrap(a), true)));
    }

    /// @notice Smallest integer ≥ x; ±0, ±inf unchanged; NaN → canonical NaN; ceil(−0.5) = −0.
    function ceil(F32 a) internal pure returns (F32) {
        return F32.wrap(uint32(_toIntegral(F32.unwrap(a), false)));
    }

    /// @dev floor (down = true) or ceil of a bit pattern. Truncation toward zero clears the
    ///      fraction bits; if they were not all zero and the value lies on the side being
    ///      rounded away from zero, the magnitude grows by one unit (a carry out of the
    ///      significand moves into the exponent field, which is still the right pattern).
    function _toIntegral(uint256 a, bool down) private pure returns (uint256) {
        uint256 mag = a & ABS_MASK;
        if (mag > INF_BITS) return QNAN_BITS;
        uint256 ex = mag >> 23;
        if (ex >= 150) return a; // |x| ≥ 2^23 (or ±inf): already integral
        bool negative = a & SIGN_BIT != 0;
        bool away = negative == down; // floor moves negatives away from 0, ceil positives
        if (ex < 127) {
            // |x| < 1: ±0 stays; otherwise 0 with x's sign, or ±1 when moving away from 0
            if (mag == 0 || !away) return a & SIGN_BIT;
            return (a & SIGN_BIT) | 0x3F800000;
        }
        unchecked {
            // 127 ≤ ex < 150: the unit is bit (150 − ex) ∈ [1, 23]; fraction mask below it.
            uint256 unit = uint256(1) << (150 - ex);
            uint256 frac = unit - 1;
            if (mag & frac == 0) return a;
            uint256 t = mag & ~frac;
            // t + unit ≤ 2^31 − 1: t < 0x4B000000 here, so adding ≤ 2^23 stays below INF.
            if (away) t += unit;
            return (a & SIGN_BIT) | t;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Conversions and exact scaling
    // ---------------------------------------------------------------------------------------

    /// @notice The integer k as binary32, rounded once (exact for |k| < 2^24).
    function fromInt(int256 k) internal pure returns (F32) {
        if (k < 0) {
            // −k of an int256 > type(int256).min is positive; callers pass small integers.
            return roundPack(1, 0, uint256(-k));
        }
        return roundPack(0, 0, uint256(k));
    }

    /// @notice The integral value a with |a| ≤ 2^24 as an unsigned integer (magnitude only).
    /// @dev Precondition: a is a finite integer (0 ≤ exponent field ≤ 151). Not for NaN/inf.
    function magnitudeToUint(F32 a) internal pure returns (uint256) {
        uint256 mag = F32.unwrap(a) & ABS_MASK;
        uint256 ex = mag >> 23;
        if (ex < 127) return 0;
        uint256 m = (mag & 0x7FFFFF) | 0x800000;
        // ex ≤ 151 by the precondition: both shifts are < 24.
        if (ex >= 150) return m << (ex - 150);
        return m >> (150 - ex);
    }

    /// @notice 2^n for an integer n ∈ [−149, 127], from its bit pattern.
    function pow2(int256 n) internal pure returns (F32) {
        // n + 127 ∈ [1, 254] (normal) or n + 149 ∈ [0, 22] (subnormal): nonnegative shifts.
        if (n >= -126) return F32.wrap(uint32(uint256(n + 127) << 23));
        return F32.wrap(uint32(uint256(1) << uint256(n + 149)));
    }

    /// @notice y·2^n rounded once (docs/FO32.md §1 `scale`); y is 0, ±inf or ½ ≤ |y| < 2.
    function scale(F32 y, int256 n) internal pure returns (F32) {
        if (n >= -126 && n <= 127) return mul(y, pow2(n));
        // 2^127 and 2^-126
        F32 p127 = F32.wrap(0x7F000000);
        F32 pm126 = F32.wrap(0x00800000);
        if (n > 127) return mul(mul(y, p127), n > 254 ? p127 : pow2(n - 127));
        return mul(mul(y, n < -251 ? pm126 : pow2(n + 126)), pm126);
    }

    // ---------------------------------------------------------------------------------------
    // Softfloat core (node/fo32/softfloat.ts), in assembly for gas.
    //
    // Each primitive is one assembly block with its own copies of two Yul helpers:
    //   msb(x)               index of the highest set bit of x > 0 (binary search)
    //   roundPack(s, e, sig, t)  (−1)^s·sig·2^e rounded to binary32 (RNE), t = msb(sig),
    //                        s the sign bit in place (0 or 2^31); softfloat.ts `roundPack`.
    // Exponents are two's-complement words compared with slt/sgt. An operand is read as
    // value = m·2^(E−150) with E = max(exponent field, 1) and m = fraction + 2^23 for normals;
    // add and mul keep subnormals unnormalized (m < 2^23, E = 1): the exact sum / product is
    // the same number, so the rounded result is the same as softfloat.ts' normalized form.
    // div and sqrt normalize subnormals as softfloat.ts does, for enough quotient/root bits.
    //
    // roundPack: lsb = max(e + t − 23, −149) is the exponent of the result's last bit;
    // sh = lsb − e bits are dropped (sh ≤ 0: exact, shift left). Round to nearest even by
    // adding (half − 1) + (kept LSB) before the shift. Then bits = (lsb + 149)·2^23 + m is the
    // pattern for every case: m < 2^23 at lsb = −149 is a subnormal (or zero), m = 2^23 there
    // the smallest normal, and a rounding carry to m = 2^24 moves into the exponent field;
    // bits ≥ 0x7F800000 is an overflow to ±inf. Every caller's sig < 2^255 (so sig + half
    // cannot wrap) and −400 < e < 300, so no signed quantity comes near 2^255.
    // ---------------------------------------------------------------------------------------

    /// @notice a + b, correctly rounded.
    function add(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            // x := the operand of larger magnitude (a on a tie, as softfloat.ts' `big`)
            if lt(ax, ay) {
                let t := x
                x := y
                y := t
                t := ax
                ax := ay
                ay := t
            }
            let ex := shr(23, ax)
            let d := sub(ex, shr(23, ay))
            let opposite := shr(31, xor(x, y))
            switch and(gt(ay, 0x7fffff), lt(ax, 0x7f800000))
            case 1 {
                // Fast path: both normal. Exact alignment while d ≤ 40; beyond, y < 2^-16 of
                // x's LSB and one unit 2^(ex − 190) of the same sign rounds the same way.
                let my := or(and(ay, 0x7fffff), 0x800000)
                if gt(d, 40) {
                    d := 40
                    my := 1
                }
                let mx := shl(d, or(and(ax, 0x7fffff), 0x800000)) // < 2^64, msb 23 + d
                // sig = mx ± my without a branch: with n = 0 − opposite (0 or all ones),
                // (my ^ n) − n is my or −my; |x| ≥ |y| so the difference does not wrap
                let n := sub(0, opposite)
                let sig := add(mx, sub(xor(my, n), n))
                switch and(opposite, lt(d, 2))
                case 0 {
                    // A sum, or a difference with d ≥ 2: sig ∈ [2^(22+d), 2^(25+d)), so
                    // msb(sig) = 22 + d + c with c = [sig ≥ 2^(23+d)] + [sig ≥ 2^(24+d)].
                    // roundPack(s, e = ex − d − 150, sig, t): sh = t − 23 = d − 1 + c ≥ 1 bits
                    // are dropped, and l = e + t + 126 = ex − 2 + c ≥ 0 (the result is at least
                    // |x|/2 ≥ 2^-125 here: never subnormal).
                    let c := add(gt(shr(add(23, d), sig), 0), gt(shr(add(24, d), sig), 0))
                    let sh := add(sub(d, 1), c)
                    let bits := add(
                        shl(23, add(sub(ex, 2), c)),
                        shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1)))
                    )
                    if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                    r := or(and(x, 0x80000000), bits)
                }
                default {
                    // Cancellation (a difference with d ≤ 1): sig < 2^25, t = msb(sig) by
                    // binary search; the result may be subnormal, or exactly +0 (x − x).
                    let t := shl(4, gt(sig, 0xffff))
                    t := or(t, shl(3, gt(shr(t, sig), 0xff)))
                    t := or(t, shl(2, gt(shr(t, sig), 0xf)))
                    t := or(t, shl(1, gt(shr(t, sig), 0x3)))
                    t := or(t, gt(shr(t, sig), 0x1))
                    // sh = t − 23 ≤ 1 and l = ex + sh − d − 1, or l = 0 with sh grown by −l
                    let sh := sub(t, 23)
                    let l := sub(add(ex, sh), add(d, 1))
                    if slt(l, 0) {
                        sh := sub(sh, l)
                        l := 0
                    }
                    let m := shl(sub(0, sh), sig)
                    if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                    r := or(and(x, 0x80000000), add(shl(23, l), m)) // |result| ≤ |x|: no overflow
                    if iszero(sig) { r := 0 } // x − x = +0
                }
            }
            default {
                switch gt(ax, 0x7f7fffff)
                case 1 {
                    // x is ±inf or NaN (a NaN operand is always the larger pattern)
                    r := x
                    if or(gt(ax, 0x7f800000), and(eq(ay, 0x7f800000), opposite)) { r := 0x7fc00000 }
                }
                default {
                    switch ay
                    case 0 {
                        r := x
                        if iszero(ax) { r := and(x, y) } // −0 only if both are −0
                    }
                    default {
                        // y subnormal (x normal or subnormal): value = m·2^(E−150) with
                        // E = max(field, 1); the subnormal keeps m < 2^23.
                        let ey := shr(23, ay)
                        let mx := or(and(ax, 0x7fffff), shl(23, gt(ex, 0)))
                        let my := and(ay, 0x7fffff)
                        ex := add(ex, iszero(ex))
                        d := sub(ex, 1)
                        if gt(d, 40) {
                            d := 40
                            my := 1
                        }
                        mx := shl(d, mx)
                        let sig := add(mx, my)
                        if opposite { sig := sub(mx, my) }
                        let s := and(x, 0x80000000)
                        if iszero(sig) { s := 0 } // x − x = +0
                        // t = msb(sig), sig < 2^65
                        let t := shl(6, gt(sig, 0xffffffffffffffff))
                        t := or(t, shl(5, gt(shr(t, sig), 0xffffffff)))
                        t := or(t, shl(4, gt(shr(t, sig), 0xffff)))
                        t := or(t, shl(3, gt(shr(t, sig), 0xff)))
                        t := or(t, shl(2, gt(shr(t, sig), 0xf)))
                        t := or(t, shl(1, gt(shr(t, sig), 0x3)))
                        t := or(t, gt(shr(t, sig), 0x1))
                        // roundPack(s, e, sig, t), e = ex − d − 150 (see the section comment)
                        let e := sub(sub(ex, d), 150)
                        let l := add(add(e, t), 126)
                        if slt(l, 0) { l := 0 }
                        let sh := sub(sub(l, 149), e)
                        let m := shl(sub(0, sh), sig)
                        if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                        r := or(s, add(shl(23, l), m)) // no overflow: |y| is far below half an ulp of FLT_MAX
                    }
                }
            }
        }
    }

    /// @notice a − b, correctly rounded: a + (−b).
    /// @dev The assembly is add's with the sign of b flipped on entry (kept as a copy: one
    ///      internal call fewer on the hottest path). Any change to add must be made here too.
    function sub(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := xor(and(b, 0xffffffff), 0x80000000) // a − b = a + (−b); a NaN b stays NaN
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            // x := the operand of larger magnitude (a on a tie, as softfloat.ts' `big`)
            if lt(ax, ay) {
                let t := x
                x := y
                y := t
                t := ax
                ax := ay
                ay := t
            }
            let ex := shr(23, ax)
            let d := sub(ex, shr(23, ay))
            let opposite := shr(31, xor(x, y))
            switch and(gt(ay, 0x7fffff), lt(ax, 0x7f800000))
            case 1 {
                // Fast path: both normal. Exact alignment while d ≤ 40; beyond, y < 2^-16 of
                // x's LSB and one unit 2^(ex − 190) of the same sign rounds the same way.
                let my := or(and(ay, 0x7fffff), 0x800000)
                if gt(d, 40) {
                    d := 40
                    my := 1
                }
                let mx := shl(d, or(and(ax, 0x7fffff), 0x800000)) // < 2^64, msb 23 + d
                // sig = mx ± my without a branch: with n = 0 − opposite (0 or all ones),
                // (my ^ n) − n is my or −my; |x| ≥ |y| so the difference does not wrap
                let n := sub(0, opposite)
                let sig := add(mx, sub(xor(my, n), n))
                switch and(opposite, lt(d, 2))
                case 0 {
                    // A sum, or a difference with d ≥ 2: sig ∈ [2^(22+d), 2^(25+d)), so
                    // msb(sig) = 22 + d + c with c = [sig ≥ 2^(23+d)] + [sig ≥ 2^(24+d)].
                    // roundPack(s, e = ex − d − 150, sig, t): sh = t − 23 = d − 1 + c ≥ 1 bits
                    // are dropped, and l = e + t + 126 = ex − 2 + c ≥ 0 (the result is at least
                    // |x|/2 ≥ 2^-125 here: never subnormal).
                    let c := add(gt(shr(add(23, d), sig), 0), gt(shr(add(24, d), sig), 0))
                    let sh := add(sub(d, 1), c)
                    let bits := add(
                        shl(23, add(sub(ex, 2), c)),
                        shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1)))
                    )
                    if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                    r := or(and(x, 0x80000000), bits)
                }
                default {
                    // Cancellation (a difference with d ≤ 1): sig < 2^25, t = msb(sig) by
                    // binary search; the result may be subnormal, or exactly +0 (x − x).
                    let t := shl(4, gt(sig, 0xffff))
                    t := or(t, shl(3, gt(shr(t, sig), 0xff)))
                    t := or(t, shl(2, gt(shr(t, sig), 0xf)))
                    t := or(t, shl(1, gt(shr(t, sig), 0x3)))
                    t := or(t, gt(shr(t, sig), 0x1))
                    // sh = t − 23 ≤ 1 and l = ex + sh − d − 1, or l = 0 with sh grown by −l
                    let sh := sub(t, 23)
                    let l := sub(add(ex, sh), add(d, 1))
                    if slt(l, 0) {
                        sh := sub(sh, l)
                        l := 0
                    }
                    let m := shl(sub(0, sh), sig)
                    if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                    r := or(and(x, 0x80000000), add(shl(23, l), m)) // |result| ≤ |x|: no overflow
                    if iszero(sig) { r := 0 } // x − x = +0
                }
            }
            default {
                switch gt(ax, 0x7f7fffff)
                case 1 {
                    // x is ±inf or NaN (a NaN operand is always the larger pattern)
                    r := x
                    if or(gt(ax, 0x7f800000), and(eq(ay, 0x7f800000), opposite)) { r := 0x7fc00000 }
                }
                default {
                    switch ay
                    case 0 {
                        r := x
                        if iszero(ax) { r := and(x, y) } // −0 only if both are −0
                    }
                    default {
                        // y subnormal (x normal or subnormal): value = m·2^(E−150) with
                        // E = max(field, 1); the subnormal keeps m < 2^23.
                        let ey := shr(23, ay)
                        let mx := or(and(ax, 0x7fffff), shl(23, gt(ex, 0)))
                        let my := and(ay, 0x7fffff)
                        ex := add(ex, iszero(ex))
                        d := sub(ex, 1)
                        if gt(d, 40) {
                            d := 40
                            my := 1
                        }
                        mx := shl(d, mx)
                        let sig := add(mx, my)
                        if opposite { sig := sub(mx, my) }
                        let s := and(x, 0x80000000)
                        if iszero(sig) { s := 0 } // x − x = +0
                        // t = msb(sig), sig < 2^65
                        let t := shl(6, gt(sig, 0xffffffffffffffff))
                        t := or(t, shl(5, gt(shr(t, sig), 0xffffffff)))
                        t := or(t, shl(4, gt(shr(t, sig), 0xffff)))
                        t := or(t, shl(3, gt(shr(t, sig), 0xff)))
                        t := or(t, shl(2, gt(shr(t, sig), 0xf)))
                        t := or(t, shl(1, gt(shr(t, sig), 0x3)))
                        t := or(t, gt(shr(t, sig), 0x1))
                        // roundPack(s, e, sig, t), e = ex − d − 150 (see the section comment)
                        let e := sub(sub(ex, d), 150)
                        let l := add(add(e, t), 126)
                        if slt(l, 0) { l := 0 }
                        let sh := sub(sub(l, 149), e)
                        let m := shl(sub(0, sh), sig)
                        if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                        r := or(s, add(shl(23, l), m)) // no overflow: |y| is far below half an ulp of FLT_MAX
                    }
                }
            }
        }
    }

    /// @notice a · b, correctly rounded.
    function mul(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            let s := and(xor(x, y), 0x80000000)
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            let ex := shr(23, ax)
            let ey := shr(23, ay)
            // both normal: 2^23 ≤ |pattern| < 0x7F800000, i.e. |pattern| − 2^23 < 0x7F000000
            switch and(lt(sub(ax, 0x800000), 0x7f000000), lt(sub(ay, 0x800000), 0x7f000000))
            case 1 {
                // Fast path. sig = mx·my ∈ [2^46, 2^48); c = [sig ≥ 2^47]; shifting a c = 0
                // product up by one bit puts the leading bit at 47 either way.
                let sig := mul(or(and(ax, 0x7fffff), 0x800000), or(and(ay, 0x7fffff), 0x800000))
                let c := shr(47, sig)
                sig := shl(xor(c, 1), sig)
                // roundPack(s, e, sig, 47): 24 bits are dropped; l = e + 47 + 126 = ex + ey − 128 + c
                let l := sub(add(add(ex, ey), c), 128)
                switch lt(l, 253)
                case 1 {
                    // 0 ≤ l ≤ 252: a normal result even after a rounding carry
                    r := or(s, add(shl(23, l), shr(24, add(add(sig, 0x7fffff), and(shr(24, sig), 1)))))
                }
                default {
                    // underflow (l < 0: l = 0 and sh = 24 − l) or overflow to ±inf
                    let sh := 24
                    if slt(l, 0) {
                        sh := sub(sh, l)
                        l := 0
                    }
                    let bits := add(shl(23, l), shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))))
                    if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                    r := or(s, bits)
                }
            }
            default {
                switch or(gt(ax, 0x7f7fffff), gt(ay, 0x7f7fffff))
                case 1 {
                    // NaN → NaN; 0·inf → NaN; otherwise ±inf
                    r := or(s, 0x7f800000)
                    if or(or(gt(ax, 0x7f800000), gt(ay, 0x7f800000)), or(iszero(ax), iszero(ay))) { r := 0x7fc00000 }
                }
                default {
                    switch or(iszero(ax), iszero(ay))
                    case 1 { r := s }
                    default {
                        // a subnormal operand: value = m·2^(E−150), E = max(field, 1), m < 2^23
                        let mx := or(and(ax, 0x7fffff), shl(23, gt(ex, 0)))
                        let my := or(and(ay, 0x7fffff), shl(23, gt(ey, 0)))
                        ex := add(ex, iszero(ex))
                        ey := add(ey, iszero(ey))
                        let sig := mul(mx, my) // exact, 0 < sig < 2^47
                        let t := shl(5, gt(sig, 0xffffffff))
                        t := or(t, shl(4, gt(shr(t, sig), 0xffff)))
                        t := or(t, shl(3, gt(shr(t, sig), 0xff)))
                        t := or(t, shl(2, gt(shr(t, sig), 0xf)))
                        t := or(t, shl(1, gt(shr(t, sig), 0x3)))
                        t := or(t, gt(shr(t, sig), 0x1))
                        // roundPack(s, e, sig, t), e = ex + ey − 300
                        let e := sub(add(ex, ey), 300)
                        let l := add(add(e, t), 126)
                        if slt(l, 0) { l := 0 }
                        let sh := sub(sub(l, 149), e)
                        let m := shl(sub(0, sh), sig)
                        if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                        r := or(s, add(shl(23, l), m)) // no overflow: |result| < 2^5
                    }
                }
            }
        }
    }

    /// @notice a / b, correctly rounded; x/±0 = ±inf, 0/0 = inf/inf = NaN.
    function div(F32 a, F32 b) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            let x := and(a, 0xffffffff)
            let y := and(b, 0xffffffff)
            let s := and(xor(x, y), 0x80000000)
            let ax := and(x, 0x7fffffff)
            let ay := and(y, 0x7fffffff)
            switch and(lt(sub(ax, 0x800000), 0x7f000000), lt(sub(ay, 0x800000), 0x7f000000))
            case 1 {
                // Fast path: both normal. q = ⌊mx·2^32 / my⌋ ∈ [2^31, 2^33) with a sticky
                // remainder bit below it: sig ∈ [2^32, 2^34), msb 32 + c.
                let my := or(and(ay, 0x7fffff), 0x800000)
                let num := shl(32, or(and(ax, 0x7fffff), 0x800000))
                let sig := or(shl(1, div(num, my)), gt(mod(num, my), 0))
                let c := shr(33, sig)
                sig := shl(xor(c, 1), sig) // leading bit at 33 either way
                // roundPack(s, e, sig, 33): 10 bits dropped; l = e + 33 + 126 = ex − ey + 125 + c
                let l := add(sub(shr(23, ax), shr(23, ay)), add(125, c))
                switch lt(l, 253)
                case 1 { r := or(s, add(shl(23, l), shr(10, add(add(sig, 0x1ff), and(shr(10, sig), 1))))) }
                default {
                    let sh := 10
                    if slt(l, 0) {
                        sh := sub(sh, l)
                        l := 0
                    }
                    let bits := add(shl(23, l), shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))))
                    if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                    r := or(s, bits)
                }
            }
            default {
                switch or(or(gt(ax, 0x7f7fffff), gt(ay, 0x7f7fffff)), or(iszero(ax), iszero(ay)))
                case 1 {
                    // softfloat.ts order: NaN; inf/inf, inf/y; x/inf; 0/0, x/0; 0/y
                    r := s
                    switch eq(ay, 0x7f800000)
                    case 1 { if eq(ax, 0x7f800000) { r := 0x7fc00000 } }
                    default {
                        if or(eq(ax, 0x7f800000), iszero(ay)) { r := or(s, 0x7f800000) }
                        if and(iszero(ax), iszero(ay)) { r := 0x7fc00000 }
                    }
                    if or(gt(ax, 0x7f800000), gt(ay, 0x7f800000)) { r := 0x7fc00000 }
                }
                default {
                    // normalized unpack: m ∈ [2^23, 2^24), value = m·2^(E−150), E ≤ 0 for subnormals
                    let ex := shr(23, ax)
                    let ey := shr(23, ay)
                    let mx := and(ax, 0x7fffff)
                    let my := and(ay, 0x7fffff)
                    switch ex
                    case 0 {
                        // k = 23 − msb(mx), mx < 2^23
                        let t := shl(4, gt(mx, 0xffff))
                        t := or(t, shl(3, gt(shr(t, mx), 0xff)))
                        t := or(t, shl(2, gt(shr(t, mx), 0xf)))
                        t := or(t, shl(1, gt(shr(t, mx), 0x3)))
                        t := or(t, gt(shr(t, mx), 0x1))
                        mx := shl(sub(23, t), mx)
                        ex := sub(t, 22) // 1 − (23 − t)
                    }
                    default { mx := or(mx, 0x800000) }
                    switch ey
                    case 0 {
                        let t := shl(4, gt(my, 0xffff))
                        t := or(t, shl(3, gt(shr(t, my), 0xff)))
                        t := or(t, shl(2, gt(shr(t, my), 0xf)))
                        t := or(t, shl(1, gt(shr(t, my), 0x3)))
                        t := or(t, gt(shr(t, my), 0x1))
                        my := shl(sub(23, t), my)
                        ey := sub(t, 22)
                    }
                    default { my := or(my, 0x800000) }
                    // q = ⌊mx·2^32 / my⌋ ∈ [2^31, 2^33); the remainder becomes a sticky bit below
                    // it, so sig ∈ [2^32, 2^34) and msb t = 32 + c, c = (sig ≥ 2^33)
                    let num := shl(32, mx)
                    let sig := or(shl(1, div(num, my)), gt(mod(num, my), 0))
                    let c := shr(33, sig)
                    // roundPack(s, e = ex − ey − 33, sig, t): sh = t − 23, l = e + t + 126 (clamped
                    // at 0 for a subnormal result, sh growing by the same amount)
                    let sh := add(9, c)
                    let l := add(sub(ex, ey), add(125, c))
                    if slt(l, 0) {
                        sh := sub(sh, l)
                        l := 0
                    }
                    let bits := add(shl(23, l), shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))))
                    if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                    r := or(s, bits)
                }
            }
        }
    }

    /// @notice √a, correctly rounded; sqrt(−0) = −0, sqrt(x < 0) = NaN.
    function sqrt(F32 a) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            function msb(x) -> n {
                n := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
                n := or(n, shl(6, lt(0xffffffffffffffff, shr(n, x))))
                n := or(n, shl(5, lt(0xffffffff, shr(n, x))))
                n := or(n, shl(4, lt(0xffff, shr(n, x))))
                n := or(n, shl(3, lt(0xff, shr(n, x))))
                n := or(n, shl(2, lt(0xf, shr(n, x))))
                n := or(n, shl(1, lt(0x3, shr(n, x))))
                n := or(n, lt(0x1, shr(n, x)))
            }
            function roundPack(s, e, sig, t) -> z {
                let lsb := add(e, sub(t, 23))
                if slt(lsb, sub(0, 149)) { lsb := sub(0, 149) }
                let sh := sub(lsb, e)
                let m := shl(sub(0, sh), sig)
                if sgt(sh, 0) { m := shr(sh, add(add(sig, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig), 1))) }
                let bits := add(mul(add(lsb, 149), 0x800000), m)
                if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                z := or(s, bits)
            }
            function f(x) -> z {
                if iszero(and(x, 0x7fffffff)) {
                    z := x // ±0
                    leave
                }
                if gt(x, 0x7f7fffff) {
                    // +inf → +inf; NaN (either sign) and every negative value → NaN
                    z := 0x7fc00000
                    if eq(x, 0x7f800000) { z := x }
                    leave
                }
                let e := shr(23, x)
                let m := and(x, 0x7fffff)
                switch e
                case 0 {
                    let k := sub(23, msb(m))
                    m := shl(k, m)
                    e := sub(1, k)
                }
                default { m := or(m, 0x800000) }
                e := sub(e, 150) // value = m·2^e, m ∈ [2^23, 2^24)
                // make the exponent even, then widen by 2^50 so the root has ≥ 36 bits
                if and(e, 1) {
                    m := shl(1, m)
                    e := sub(e, 1)
                }
                let n := shl(50, m) // ∈ [2^73, 2^75)
                // ⌊√n⌋ by Newton's iteration from 2^⌈bitLength/2⌉ ≥ √n, decreasing until it stops
                let root := shl(shr(1, add(add(73, shr(74, n)), 2)), 1)
                for {} 1 {} {
                    let next := shr(1, add(root, div(n, root)))
                    if iszero(lt(next, root)) { break }
                    root := next
                }
                // root ∈ [2^36, 2^38): sig ∈ [2^37, 2^39), msb 37 or 38
                let sig := or(shl(1, root), iszero(eq(mul(root, root), n)))
                z := roundPack(0, sub(sdiv(sub(e, 50), 2), 1), sig, add(37, shr(38, sig)))
            }
            r := f(and(a, 0xffffffff))
        }
    }

    /// @notice (−1)^sign · sig · 2^e rounded to binary32 (RNE), with gradual underflow and
    ///         overflow to ±inf (softfloat.ts `roundPack`; used by sin/cos in LibF32Math).
    ///         `sig` may carry a sticky bit in its least significant position when at least 2
    ///         bits lie below the rounding point. Requires sig < 2^255 and |e| < 2^16.
    function roundPack(uint256 sign, int256 e, uint256 sig) internal pure returns (F32 r) {
        assembly ("memory-safe") {
            function msb(x) -> n {
                n := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
                n := or(n, shl(6, lt(0xffffffffffffffff, shr(n, x))))
                n := or(n, shl(5, lt(0xffffffff, shr(n, x))))
                n := or(n, shl(4, lt(0xffff, shr(n, x))))
                n := or(n, shl(3, lt(0xff, shr(n, x))))
                n := or(n, shl(2, lt(0xf, shr(n, x))))
                n := or(n, shl(1, lt(0x3, shr(n, x))))
                n := or(n, lt(0x1, shr(n, x)))
            }
            function rp(s, e_, sig_, t) -> z {
                let lsb := add(e_, sub(t, 23))
                if slt(lsb, sub(0, 149)) { lsb := sub(0, 149) }
                let sh := sub(lsb, e_)
                let m := shl(sub(0, sh), sig_)
                if sgt(sh, 0) { m := shr(sh, add(add(sig_, sub(shl(sub(sh, 1), 1), 1)), and(shr(sh, sig_), 1))) }
                let bits := add(mul(add(lsb, 149), 0x800000), m)
                if gt(bits, 0x7f800000) { bits := 0x7f800000 }
                z := or(s, bits)
            }
            r := shl(31, and(sign, 1)) // sig = 0: the signed zero
            if sig { r := rp(r, e, sig, msb(sig)) }
        }
    }
}
