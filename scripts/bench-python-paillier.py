#!/usr/bin/env python3
"""Times python-paillier (`pip install phe gmpy2`) on the operations of Hecate's benchmarks.

Prints one JSON object: the versions (phe, gmpy2, the GMP gmpy2 runs on, python) and a list of
results, one per operation and key size: {"bits", "op", "median_ms", "runs"}. Operation names
match `benches/benches/paillier.rs` where the job is the same; `scripts/bench-report` sets them
beside Hecate's. python-paillier is not constant-time: gmpy2's powmod is GMP's mpz_powm.

Usage: python3 scripts/bench-python-paillier.py [--bits 2048,3072,4096] [--time SECONDS]
"""

import argparse
import functools
import json
import operator
import platform
import random
import statistics
import sys
import time

import gmpy2
import phe
from phe import paillier

# The same plaintext and scalar as the Rust benchmarks (benches/benches/paillier.rs, src/lib.rs).
MESSAGE = 0x1234_5678_9ABC
SCALAR = -0x2BAD_CAFE_F00D_1234
INTERCEPT = 12.5


def median_ms(operation, min_time, min_runs, max_runs):
    """Median wall time of `operation()` in ms, over at least `min_runs` runs and `min_time`
    seconds (at most `max_runs`); returns (median, runs)."""
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < min_time):
        t0 = time.perf_counter()
        operation()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3, len(times)


def model(d, rng):
    """A fitted linear model's float weights in ±1000 and float features in ±100, as in the
    Rust benchmarks (drawn by Python's generator, so other values of the same ranges)."""
    weights = [rng.uniform(-1000.0, 1000.0) for _ in range(d)]
    features = [rng.uniform(-100.0, 100.0) for _ in range(d)]
    return weights, features


def bench_size(bits, min_time, keygen_runs):
    rng = random.Random(bits)
    results = []

    def record(op, operation, min_runs=10, max_runs=10_000):
        ms, runs = median_ms(operation, min_time, min_runs, max_runs)
        results.append({"bits": bits, "op": op, "median_ms": ms, "runs": runs})
        print(f"python-paillier/{bits}/{op}: {ms:.3f} ms ({runs} runs)", file=sys.stderr)

    # Key generation's time follows its random prime search: as many runs as the Rust side takes
    # samples, whatever the time.
    record(
        "keygen",
        lambda: paillier.generate_paillier_keypair(n_length=bits),
        min_runs=keygen_runs,
        max_runs=keygen_runs,
    )
    public, private = paillier.generate_paillier_keypair(n_length=bits)

    # `encrypt` encodes, computes (1 + m·n) with r = 1, then obfuscates (r^n for a fresh r).
    record("encrypt_public", lambda: public.encrypt(MESSAGE))
    # The same two steps apart: the raw encryption with a fresh r, and the obfuscation alone.
    record("raw_encrypt", lambda: public.raw_encrypt(MESSAGE))
    c = public.encrypt(MESSAGE)
    d = public.encrypt(MESSAGE)
    record("decrypt", lambda: private.decrypt(c))
    record("raw_decrypt", lambda: private.raw_decrypt(c.ciphertext(be_secure=False)))
    # obfuscate() re-randomizes in place: the same job as Hecate's rerandomize.
    record("rerandomize_public", c.obfuscate)
    record("add", lambda: c + d)
    record("mul_scalar_i64", lambda: c * SCALAR)

    for features in (4, 100):
        weights, values = model(features, rng)
        encrypted = [public.encrypt(x) for x in values]

        # The seed demo's job: Σ w_i·Enc(x_i) + b with float weights, then obfuscate() before
        # the answer leaves the company (python-paillier aligns the exponents as it adds).
        def predict():
            terms = [w * x for w, x in zip(weights, encrypted)]
            answer = functools.reduce(operator.add, terms) + INTERCEPT
            answer.obfuscate()
            return answer

        want = sum(w * x for w, x in zip(weights, values)) + INTERCEPT
        got = private.decrypt(predict())
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            raise SystemExit(f"python-paillier's prediction is {got}, expected {want}")
        record(f"predict_{features}", predict, max_runs=200 if features > 4 else 10_000)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="2048,3072,4096", help="key sizes, comma-separated")
    parser.add_argument("--time", type=float, default=2.0, help="seconds per operation, at least")
    parser.add_argument("--keygen-runs", type=int, default=10, help="runs of key generation")
    args = parser.parse_args()
    sizes = [int(b) for b in args.bits.split(",") if b.strip()]
    results = []
    for bits in sizes:
        results.extend(bench_size(bits, args.time, args.keygen_runs))
    versions = {
        "python": platform.python_version(),
        "phe": phe.__version__,
        "gmpy2": gmpy2.version(),
        "gmp": gmpy2.mp_version(),
        # Without gmpy2, phe falls back to Python's pow: far slower, and not what is measured here.
        "phe_uses_gmpy2": phe.util.HAVE_GMP,
    }
    json.dump({"versions": versions, "results": results}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
