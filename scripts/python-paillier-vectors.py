#!/usr/bin/env python3
"""Writes known-answer vectors from python-paillier (`pip install phe`) for Hecate's core tests.

For each key size: a fresh phe key pair (n, p, q), and for several plaintexts m a random r with the
ciphertext from phe's `raw_encrypt(m, r_value=r)`, plus one ciphertext from phe's ordinary
(obfuscated) `encrypt`, whose randomness phe keeps to itself. The Rust tests check that Hecate's
encryption with the same r gives the same ciphertext and that Hecate decrypts every ciphertext.

Usage: python3 scripts/python-paillier-vectors.py > core/tests/vectors/python_paillier.json
"""

import json
import secrets
import sys

import phe
from phe import paillier

SIZES = (1024, 2048, 3072, 4096)


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
