"""Fits the FO32 polynomial coefficients (docs/FO32.md). Not used at run time: it documents
where the binary32 constants in node/fo32/transcendental.ts come from.

Method: weighted least squares on dense Chebyshev-distributed points, iteratively reweighted
(Lawson) towards the minimax solution; then coefficients are rounded to binary32 one at a time
from the lowest order up, refitting the remaining ones after each rounding (so later
coefficients absorb earlier rounding errors). Reference values come from mpmath at 60 digits.

Usage: python3 node/fo32/tools/fit.py
"""
import struct
import numpy as np
import mpmath as mp

mp.mp.dps = 60


def f32(v):
    return struct.unpack(">f", struct.pack(">f", float(v)))[0]


def hexbits(v):
    return "0x%08X" % struct.unpack(">I", struct.pack(">f", float(v)))[0]


def cheb_points(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos(np.pi * (k + 0.5) / n)


def lawson(basis, target, weight, iters=200):
    """min over c of max_i weight_i*|target_i - basis_i . c| (approximately)."""
    w = np.ones(len(target))
    c = None
    for _ in range(iters):
        sw = np.sqrt(w) * weight
        c, *_ = np.linalg.lstsq(basis * sw[:, None], target * sw, rcond=None)
        err = np.abs(weight * (target - basis @ c))
        w = w * err
        w = w / w.sum()
    return c


def fit_rounded(xs, basis_fn, nfree, target, weight, fixed_prefix=()):
    """basis_fn(xs) -> matrix with one column per coefficient. Round greedily to binary32."""
    B = basis_fn(xs)
    fixed = list(fixed_prefix)
    while len(fixed) < nfree:
        k = len(fixed)
        t = target - (B[:, :k] @ np.array(fixed) if k else 0)
        c = lawson(B[:, k:], t, weight)
        fixed.append(f32(c[0]))
    resid = weight * (target - B @ np.array(fixed))
    return fixed, float(np.max(np.abs(resid)))


def report(name, coefs, err):
    print(f"{name}: max weighted error {err:.3e} ({err / 2**-24:.4f} x 2^-24)")
    for i, c in enumerate(coefs):
        print(f"  c{i} = {c!r:>24}  {hexbits(c)}")


def main():
    N = 4000
    # expm1(r) ~ r + r^2*(c0 + c1 r + c2 r^2 + c3 r^3 + c4 r^4),  |r| <= ln2/2 (+ margin)
    xs = cheb_points(-0.3475, 0.3475, N)
    xs = xs[np.abs(xs) > 1e-6]
    tgt = np.array([float((mp.expm1(mp.mpf(x)) - x) / (mp.mpf(x) ** 2)) for x in xs])
    # relative error of expm1: weight = r^2/expm1(r)
    wt = np.array([float(mp.mpf(x) ** 2 / mp.expm1(mp.mpf(x))) for x in xs])
    wt = np.abs(wt)
    coefs, err = fit_rounded(xs, lambda x: np.vstack([x**i for i in range(5)]).T, 5, tgt, wt)
    report("expm1 Q(r)", coefs, err)

    # log: R(z) = z*(L1 + L2 z + L3 z^2), z = s^2, s <= (sqrt2-1)/(sqrt2+1)
    smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
    zs = cheb_points(0, float(smax**2) * 1.001, N)
    zs = zs[zs > 1e-12]

    def Rtrue(z):
        s = mp.sqrt(mp.mpf(z))
        return (mp.log((1 + s) / (1 - s)) - 2 * s) / s

    tgt = np.array([float(Rtrue(z) / mp.mpf(z)) for z in zs])
    wt = zs.copy()  # absolute error of R = z*P(z)
    coefs, err = fit_rounded(zs, lambda z: np.vstack([z**i for i in range(3)]).T, 3, tgt, wt)
    report("log R(z)/z", coefs, err)

    # sin(r) ~ r + r^3*S(r^2), cos(r) ~ 1 - r^2/2 + r^4*C(r^2), |r| <= pi/4 (+ margin)
    rmax = float(mp.pi / 4) * 1.0001
    rs = cheb_points(0, rmax, N)
    rs = rs[rs > 1e-5]
    z = rs**2
    tgt = np.array([float((mp.sin(mp.mpf(r)) - r) / mp.mpf(r) ** 3) for r in rs])
    wt = np.array([float(mp.mpf(r) ** 3 / mp.sin(mp.mpf(r))) for r in rs])
    coefs, err = fit_rounded(z, lambda z: np.vstack([z**i for i in range(3)]).T, 3, tgt, wt)
    report("sin S(z)", coefs, err)
    tgt = np.array([float((mp.cos(mp.mpf(r)) - 1 + mp.mpf(r) ** 2 / 2) / mp.mpf(r) ** 4) for r in rs])
    wt = np.array([float(mp.mpf(r) ** 4 / mp.cos(mp.mpf(r))) for r in rs])
    coefs, err = fit_rounded(z, lambda z: np.vstack([z**i for i in range(3)]).T, 3, tgt, wt)
    report("cos C(z)", coefs, err)

    # erf(x) ~ x + x*P(x^2) on [0, 0.75], relative error of erf
    xs = cheb_points(0, 0.75, N)
    xs = xs[xs > 1e-5]
    tgt = np.array([float((mp.erf(mp.mpf(x)) - x) / x) for x in xs])
    wt = np.array([float(mp.mpf(x) / mp.erf(mp.mpf(x))) for x in xs])
    coefs, err = fit_rounded(xs**2, lambda z: np.vstack([z**i for i in range(6)]).T, 6, tgt, wt)
    report("erf P(z)", coefs, err)

    # erfc(a) = exp(-a^2) * R(a): 7 pieces, R(a) ~ sum_k c_k u^k, u = a - c (exact), degree 7,
    # relative error of R
    bounds = [0.75, 1.125, 1.625, 2.375, 3.5, 5.25, 7.75, 10.5]
    for i in range(len(bounds) - 1):
        lo, hi = bounds[i], bounds[i + 1]
        c = f32((lo + hi) / 2)
        xs = cheb_points(lo, hi, 1500)
        Rv = np.array([float(mp.erfc(mp.mpf(a)) * mp.exp(mp.mpf(a) ** 2)) for a in xs])
        coefs, err = fit_rounded(xs - c, lambda u: np.vstack([u**k for k in range(8)]).T, 8, Rv, 1 / Rv)
        report(f"erfc R piece [{lo}, {hi}) centre {c} ({hexbits(c)}), bound {hexbits(hi)}", coefs, err)

    # Payne-Hanek constants for sin/cos: floor(2/pi * 2^232), floor(pi/2 * 2^126)
    mp.mp.dps = 120
    print("TWO_OVER_PI_232 = 0x%x" % int(mp.floor(2 / mp.pi * mp.mpf(2) ** 232)))
    print("PIO2_126 = 0x%x" % int(mp.floor(mp.pi / 2 * mp.mpf(2) ** 126)))
    mp.mp.dps = 60

    # scalar constants
    for name, v in [("LOG2E", 1 / mp.log(2)), ("LN2", mp.log(2)), ("INV_SQRT2", 1 / mp.sqrt(2)),
                    ("SQRT2", mp.sqrt(2)), ("PIO4", mp.pi / 4)]:
        print(f"{name} = {hexbits(f32(v))} ({f32(v)!r})")
    ln2hi = struct.unpack(">f", bytes.fromhex("3F317200"))[0]
    print(f"LN2HI = 0x3F317200 ({ln2hi!r}); LN2LO = {hexbits(f32(mp.log(2) - ln2hi))} ({f32(mp.log(2) - ln2hi)!r})")


if __name__ == "__main__":
    main()
