#!/usr/bin/env python3
"""python-paillier on the other side of Hecate's interop tests (gui/tests/interop.rs), with the
JSON files of the original Flask demo.

    phe_peer.py customer-keys KEYS BITS
    phe_peer.py customer-encrypt KEYS DATA VALUES [--double]   (VALUES like 36,5,5,1)
    phe_peer.py customer-decrypt KEYS ANSWER                   (prints the value)
    phe_peer.py company-predict DATA ANSWER WEIGHTS INTERCEPT  (WEIGHTS like 1.5,-2,0.25,3)
"""

import json
import sys

from phe import paillier


def load_keys(path):
    with open(path) as file:
        keys = json.load(file)
    public = paillier.PaillierPublicKey(n=int(keys["public_key"]["n"]))
    private = paillier.PaillierPrivateKey(public, int(keys["private_key"]["p"]), int(keys["private_key"]["q"]))
    return public, private


def number(text):
    return float(text) if any(c in text for c in ".eE") else int(text)


def customer_keys(path, bits):
    public, private = paillier.generate_paillier_keypair(n_length=int(bits))
    with open(path, "w") as file:
        json.dump({"public_key": {"n": public.n}, "private_key": {"p": private.p, "q": private.q}}, file)


def customer_encrypt(keys, out, values, *flags):
    public, _ = load_keys(keys)
    encrypted = [public.encrypt(number(v)) for v in values.split(",")]
    data = {"public_key": {"n": public.n}, "values": [(str(x.ciphertext()), x.exponent) for x in encrypted]}
    with open(out, "w") as file:
        # The demo wrote json.dumps(data) through json.dump: a JSON string holding the object.
        json.dump(json.dumps(data) if "--double" in flags else data, file)


def customer_decrypt(keys, answer):
    _, private = load_keys(keys)
    with open(answer) as file:
        reply = json.load(file)
    public = paillier.PaillierPublicKey(n=int(reply["pubkey"]["n"]))
    ciphertext, exponent = reply["values"]
    print(repr(private.decrypt(paillier.EncryptedNumber(public, int(ciphertext), int(exponent)))))


def company_predict(data, out, weights, intercept):
    with open(data) as file:
        query = json.load(file)
    if isinstance(query, str):
        query = json.loads(query)
    public = paillier.PaillierPublicKey(n=int(query["public_key"]["n"]))
    features = [paillier.EncryptedNumber(public, int(c), int(e)) for c, e in query["values"]]
    result = sum(x * number(w) for x, w in zip(features, weights.split(","))) + number(intercept)
    with open(out, "w") as file:
        json.dump({"pubkey": {"n": public.n}, "values": [str(result.ciphertext()), result.exponent]}, file)


COMMANDS = {
    "customer-keys": customer_keys,
    "customer-encrypt": customer_encrypt,
    "customer-decrypt": customer_decrypt,
    "company-predict": company_predict,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
