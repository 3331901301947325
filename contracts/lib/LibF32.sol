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
    function canonical(F32 a) internal pure returns (F32) {
        return isNaN(a) ? NAN : a;
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
    // ---------------------------------------------------------------------------------------

    /// @dev A signed integer with the order of the values, for a non-NaN pattern:
    ///      ±magnitude bits, so −0 and +0 both map to 0.
    function _key(uint256 a) private pure returns (int256 k) {
        // Magnitude < 2^31: the negation cannot overflow an int256.
        k = int256(a & ABS_MASK);
        if (a & SIGN_BIT != 0) k = -k;
    }

    function lt(F32 a, F32 b) internal pure returns (bool) {
        if (isNaN(a) || isNaN(b)) return false;
        return _key(F32.unwrap(a)) < _key(F32.unwrap(b));
    }

    function le(F32 a, F32 b) internal pure returns (bool) {
        if (isNaN(a) || isNaN(b)) return false;
        return _key(F32.unwrap(a)) <= _key(F32.unwrap(b));
    }

    function gt(F32 a, F32 b) internal pure returns (bool) {
        return lt(b, a);
    }

    function ge(F32 a, F32 b) internal pure returns (bool) {
        return le(b, a);
    }

    function eq(F32 a, F32 b) internal pure returns (bool) {
        if (isNaN(a) || isNaN(b)) return false;
        return _key(F32.unwrap(a)) == _key(F32.unwrap(b));
    }

    /// @notice NaN if either is NaN; the larger value; max(−0, +0) = +0.
    function max(F32 a, F32 b) internal pure returns (F32) {
        uint256 x = F32.unwrap(a);
        uint256 y = F32.unwrap(b);
        if (x & ABS_MASK > INF_BITS || y & ABS_MASK > INF_BITS) return NAN;
        int256 kx = _key(x);
        int256 ky = _key(y);
        if (kx != ky) return kx > ky ? a : b;
        // Equal: the patterns differ only for ±0, where −0 is the result only if both are −0.
        return F32.wrap(uint32(x & y));
    }

    /// @notice NaN if either is NaN; the smaller value; min(−0, +0) = −0.
    function min(F32 a, F32 b) internal pure returns (F32) {
        uint256 x = F32.unwrap(a);
        uint256 y = F32.unwrap(b);
        if (x & ABS_MASK > INF_BITS || y & ABS_MASK > INF_BITS) return NAN;
        int256 kx = _key(x);
        int256 ky = _key(y);
        if (kx != ky) return kx < ky ? a : b;
        // Equal: the patterns differ only for ±0, where −0 is the result if either is −0.
        return F32.wrap(uint32(x | y));
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
            return F32.wrap(uint32(_roundPack(1, 0, uint256(-k))));
        }
        return F32.wrap(uint32(_roundPack(0, 0, uint256(k))));
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
    // Softfloat core (node/fo32/softfloat.ts)
    // ---------------------------------------------------------------------------------------

    /// @notice a + b, correctly rounded.
    function add(F32 a, F32 b) internal pure returns (F32) {
        return F32.wrap(uint32(_add(F32.unwrap(a), F32.unwrap(b))));
    }

    /// @notice a − b, correctly rounded (a + (−b); NaN b stays NaN).
    function sub(F32 a, F32 b) internal pure returns (F32) {
        uint256 y = F32.unwrap(b);
        if (y & ABS_MASK > INF_BITS) return NAN;
        return F32.wrap(uint32(_add(F32.unwrap(a), y ^ SIGN_BIT)));
    }

    /// @notice a · b, correctly rounded.
    function mul(F32 a, F32 b) internal pure returns (F32) {
        return F32.wrap(uint32(_mul(F32.unwrap(a), F32.unwrap(b))));
    }

    /// @notice a / b, correctly rounded; x/±0 = ±inf, 0/0 = inf/inf = NaN.
    function div(F32 a, F32 b) internal pure returns (F32) {
        return F32.wrap(uint32(_div(F32.unwrap(a), F32.unwrap(b))));
    }

    /// @notice √a, correctly rounded; sqrt(−0) = −0, sqrt(x < 0) = NaN.
    function sqrt(F32 a) internal pure returns (F32) {
        return F32.wrap(uint32(_sqrt(F32.unwrap(a))));
    }

    /// @notice (−1)^sign · sig · 2^e rounded to binary32 (RNE), with gradual underflow and
    ///         overflow to ±inf. `sig` may carry a sticky bit in its least significant position
    ///         when at least 2 bits lie below the rounding point. Used by sin/cos (LibF32Math).
    function roundPack(uint256 sign, int256 e, uint256 sig) internal pure returns (F32) {
        return F32.wrap(uint32(_roundPack(sign, e, sig)));
    }

    /// @dev Index of the most significant set bit of x > 0 (bitLength − 1), by binary search.
    function _msb(uint256 x) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
            r := or(r, shl(6, lt(0xffffffffffffffff, shr(r, x))))
            r := or(r, shl(5, lt(0xffffffff, shr(r, x))))
            r := or(r, shl(4, lt(0xffff, shr(r, x))))
            r := or(r, shl(3, lt(0xff, shr(r, x))))
            r := or(r, shl(2, lt(0xf, shr(r, x))))
            r := or(r, shl(1, lt(0x3, shr(r, x))))
            r := or(r, lt(0x1, shr(r, x)))
        }
    }

    /// @dev A finite nonzero pattern as value = m·2^e, 2^23 ≤ m < 2^24 (softfloat.ts `unpack`;
    ///      the sign is read by the caller). Subnormals are shifted up to a normalized m.
    function _unpack(uint256 a) private pure returns (int256 e, uint256 m) {
        uint256 ex = (a >> 23) & 0xFF;
        m = a & 0x7FFFFF;
        if (ex == 0) {
            // subnormal: value = frac·2^-149, 0 < frac < 2^23, so 0 ≤ msb ≤ 22
            unchecked {
                uint256 s = 23 - _msb(m);
                return (-149 - int256(s), m << s);
            }
        }
        unchecked {
            // 1 ≤ ex ≤ 254
            return (int256(ex) - 150, m | 0x800000);
        }
    }

    /// @dev softfloat.ts `roundPack`. Bounds: every caller's sig < 2^256 and its exponent e
    ///      ≥ −344 (mul of two minimum subnormals), so `shift` ≤ 195 and `lsb` ≤ 255.
    function _roundPack(uint256 sign, int256 e, uint256 sig) private pure returns (uint256) {
        uint256 s = sign << 31;
        if (sig == 0) return s;
        unchecked {
            // Exponent of the leading bit; the target LSB is 2^(top−23) for normals, 2^−149 below.
            // |e| < 2^10 and msb < 256: no signed overflow anywhere below.
            int256 top = e + int256(_msb(sig));
            int256 lsb = top - 23;
            if (lsb < -149) lsb = -149;
            int256 shift = lsb - e; // bits to drop (≤ 0: exact, shift left)
            uint256 m;
            if (shift <= 0) {
                // −shift ≤ 23 − msb(sig): m stays below 2^24
                m = sig << uint256(-shift);
            } else {
                uint256 sh = uint256(shift); // 1 ≤ sh ≤ 195
                m = sig >> sh;
                uint256 rem = sig & ((uint256(1) << sh) - 1);
                uint256 half = uint256(1) << (sh - 1);
                if (rem > half || (rem == half && m & 1 == 1)) m += 1;
            }
            // m ≤ 2^24 (normal) or ≤ 2^23 (subnormal): a carry to 2^24 / 2^23 moves the
            // exponent field by one through the addition below.
            if (lsb == -149 && m < 0x800000) return s | m; // subnormal or zero
            uint256 biased = uint256(lsb + 150); // ≥ 1: exponent field of a normal with LSB 2^lsb
            if (biased >= 255) return s | INF_BITS;
            // (biased − 1)·2^23 + m adds the hidden bit into the exponent field; m = 2^24
            // after rounding carries into the next binade or to infinity. < 2^32 + 2^24.
            uint256 bits = (biased - 1) * 0x800000 + m;
            if (bits >= INF_BITS) return s | INF_BITS;
            return s | bits;
        }
    }

    /// @dev softfloat.ts `f32Add` on bit patterns (upper bits of a and b are zero).
    function _add(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 aa = a & ABS_MASK;
        uint256 ab = b & ABS_MASK;
        if (aa > INF_BITS || ab > INF_BITS) return QNAN_BITS;
        if (aa == INF_BITS) {
            if (ab == INF_BITS && (a ^ b) & SIGN_BIT != 0) return QNAN_BITS;
            return a;
        }
        if (ab == INF_BITS) return b;
        if (aa == 0) {
            if (ab == 0) return a & b & SIGN_BIT; // −0 only if both are −0
            return b;
        }
        if (ab == 0) return a;
        // big = the operand of larger magnitude (a on a tie). Magnitude order is the order of
        // the patterns without sign, the same as softfloat.ts' (e, m) comparison.
        (uint256 big, uint256 small) = ab > aa ? (b, a) : (a, b);
        (int256 be, uint256 bm) = _unpack(big);
        (int256 se, uint256 sm) = _unpack(small);
        unchecked {
            // be ≥ se because |big| ≥ |small| and both are normalized.
            uint256 d = uint256(be - se);
            // Exact alignment while d ≤ 40; beyond, small < 2^-16 of big's LSB and one unit
            // 2^(be − 40) of the same sign rounds the same way (softfloat.ts f32Add).
            if (d > 40) {
                d = 40;
                sm = 1;
            }
            bm <<= d; // < 2^64
            int256 e = be - int256(d);
            uint256 mag;
            if ((a ^ b) & SIGN_BIT == 0) {
                mag = bm + sm; // < 2^65
            } else {
                mag = bm - sm; // |big| ≥ |small|: no wrap
                if (mag == 0) return 0; // x − x = +0 in round-to-nearest
            }
            return _roundPack(big >> 31, e, mag);
        }
    }

    /// @dev softfloat.ts `f32Mul`.
    function _mul(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 aa = a & ABS_MASK;
        uint256 ab = b & ABS_MASK;
        if (aa > INF_BITS || ab > INF_BITS) return QNAN_BITS;
        uint256 sign = (a ^ b) >> 31;
        if (aa == INF_BITS || ab == INF_BITS) {
            if (aa == 0 || ab == 0) return QNAN_BITS; // 0·inf
            return (sign << 31) | INF_BITS;
        }
        if (aa == 0 || ab == 0) return sign << 31;
        (int256 xe, uint256 xm) = _unpack(a);
        (int256 ye, uint256 ym) = _unpack(b);
        unchecked {
            // |xe|, |ye| ≤ 172; xm·ym < 2^48: the exact product.
            return _roundPack(sign, xe + ye, xm * ym);
        }
    }

    /// @dev softfloat.ts `f32Div`.
    function _div(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 aa = a & ABS_MASK;
        uint256 ab = b & ABS_MASK;
        if (aa > INF_BITS || ab > INF_BITS) return QNAN_BITS;
        uint256 s = ((a ^ b) >> 31) << 31;
        if (aa == INF_BITS) return ab == INF_BITS ? QNAN_BITS : s | INF_BITS;
        if (ab == INF_BITS) return s;
        if (ab == 0) return aa == 0 ? QNAN_BITS : s | INF_BITS;
        if (aa == 0) return s;
        (int256 xe, uint256 xm) = _unpack(a);
        (int256 ye, uint256 ym) = _unpack(b);
        unchecked {
            // q = ⌊xm·2^32 / ym⌋ has 32 or 33 bits (ym ≥ 2^23 ≠ 0); the remainder becomes a
            // sticky bit below it. xm·2^32 < 2^56.
            uint256 num = xm << 32;
            uint256 q = num / ym;
            uint256 sig = (q << 1) | (num % ym == 0 ? 0 : 1);
            return _roundPack(s >> 31, xe - ye - 33, sig);
        }
    }

    /// @dev ⌊√n⌋ by Newton's iteration from an upper bound, decreasing until it stops
    ///      (softfloat.ts `isqrt`). n < 2^75 here.
    function _isqrt(uint256 n) private pure returns (uint256 x) {
        if (n < 2) return n;
        unchecked {
            x = uint256(1) << ((_msb(n) + 2) >> 1); // 2^⌈bitLength/2⌉ ≥ √n
            for (;;) {
                // x ≥ 1, x + n/x < 2^77
                uint256 y = (x + n / x) >> 1;
                if (y >= x) return x;
                x = y;
            }
        }
    }

    /// @dev softfloat.ts `f32Sqrt`.
    function _sqrt(uint256 a) private pure returns (uint256) {
        uint256 aa = a & ABS_MASK;
        if (aa > INF_BITS) return QNAN_BITS;
        if (aa == 0) return a; // ±0
        if (a & SIGN_BIT != 0) return QNAN_BITS;
        if (aa == INF_BITS) return a;
        (int256 e, uint256 m) = _unpack(a);
        unchecked {
            // Make the exponent even, then widen by 2^50 so the root has ≥ 36 bits; n < 2^75.
            if (e & 1 != 0) {
                m <<= 1;
                e -= 1;
            }
            uint256 n = m << 50;
            uint256 root = _isqrt(n);
            uint256 sticky = root * root == n ? 0 : 1;
            // e − 50 is even: the division is exact.
            return _roundPack(0, (e - 50) / 2 - 1, (root << 1) | sticky);
        }
    }
}
