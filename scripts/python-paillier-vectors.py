#!/usr/bin/env python3
"""Writes known-answer vectors from python-paillier (`pip install phe`) for Hecate's core tests.

For each key size: a fresh phe key pair (n, p, q), and for several plaintexts m a random r with the
ciphertext from phe's `raw_encrypt(m, r_value=r)`, plus one ciphertext from phe's ordinary
(obfuscated) `encrypt`, whose randomness phe keeps to itself. The Rust tests check that Hecate's
encryption with the same r gives the same ciphertext and that Hecate decrypts every ciphertext.

Usage: python3 scripts/python-paillier-vectors.py > core/tests/vectors/python_paillier.json
"""

import json
import random
import secrets
import struct
import sys

import phe
from phe import paillier
from phe.encoding import EncodedNumber

SIZES = (1024, 2048, 3072, 4096)


def f64_bits(x):
    return str(struct.unpack("<Q", struct.pack("<d", x))[0])


def special_floats():
    """Values whose encoding or decoding is easy to get wrong."""
    values = [0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1.5, -2.25, 36.0, 1e-300, -1e-300, 5e-324, -5e-324,
              2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
              -1.7976931348623157e308, 123456.789, 2.0**-1074 * 3, 1e300, 1e-5, 0.3]
    rng = random.Random(7)
    for _ in range(30):
        values.append(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
    return [v for v in values if v == v and abs(v) != float("inf")]


def encoding_vectors(public):
    """phe's own encode (default and with a precision) and decode, on this key."""
    n = public.n
    encode = []
    for value in special_floats():
        default = EncodedNumber.encode(public, value)
        encode.append({"value": f64_bits(value), "precision": None,
                       "encoding": str(default.encoding), "exponent": default.exponent})
        for exponent in (-8, 0, 3):
            try:
                fixed = EncodedNumber.encode(public, value, precision=16.0 ** exponent)
                assert fixed.exponent == exponent
                result = {"encoding": str(fixed.encoding), "exponent": fixed.exponent}
            except ValueError:
                result = {"error": "overflow"}
            encode.append({"value": f64_bits(value), "precision": exponent, **result})
    decode = []
    rng = random.Random(11)
    max_int = public.max_int
    for _ in range(60):
        bits = rng.choice([1, 8, 53, 54, 64, 200, max_int.bit_length()])
        mantissa = rng.getrandbits(bits) % (max_int + 1)
        if rng.random() < 0.5:
            mantissa = -mantissa
        exponent = rng.choice([0, 1, -1, -14, -100, -250, -270, -300, -500, 10, 200, 250, 256])
        number = EncodedNumber(public, mantissa % n, exponent)
        try:
            result = {"value": f64_bits(float(number.decode()))}
        except OverflowError:
            result = {"error": "f64 range"}
        decode.append({"encoding": str(number.encoding), "exponent": exponent, **result})
    for encoding in (max_int + 1, n - max_int - 1, n // 2):
        decode.append({"encoding": str(encoding), "exponent": 0, "error": "overflow"})
    return {"encode": encode, "decode": decode}


def vectors_for(bits):
    public, private = paillier.generate_paillier_keypair(n_length=bits)
    n = public.n
    assert n.bit_length() == bits, "phe returned a modulus of the wrong size"
    plaintexts = [0, 1, 2, 42, n - 1, n - 5, n // 2, secrets.randbelow(n), secrets.randbelow(2**64)]
    raw = []
    for m in plaintexts:
        r = 1 + secrets.randbelow(n - 1)
        c = public.raw_encrypt(m, r_value=r)
        assert private.raw_decrypt(c) == m
        raw.append({"m": str(m), "r": str(r), "c": str(c)})
    # phe.encrypt encodes integers: values in [0, max_int] as themselves, negatives as n + value.
    encrypted = []
    for value in (secrets.randbelow(public.max_int), -7):
        c = public.encrypt(value).ciphertext(be_secure=True)
        encrypted.append({"m": str(value % n), "c": str(c)})
    return {
        "bits": bits,
        "n": str(n),
        "p": str(private.p),
        "q": str(private.q),
        "raw_encrypt": raw,
        "encrypt": encrypted,
        # Encoding depends on n only through max_int: two sizes cover it.
        "encoding": encoding_vectors(public) if bits <= 2048 else {"encode": [], "decode": []},
    }


def main():
    out = {
        "source": "python-paillier " + phe.__version__ + ", scripts/python-paillier-vectors.py",
        "keys": [vectors_for(bits) for bits in SIZES],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
