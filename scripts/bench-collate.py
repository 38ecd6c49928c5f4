#!/usr/bin/env python3
"""Writes BENCHMARKS.md from one run of `scripts/bench-report` (which calls this; not by hand).

Reads criterion's results (target/criterion/*/*/new/{benchmark,estimates}.json: the median's
point estimate, in ns) written after the run started, the python-paillier JSON and the cargo
bench log (for the GMP version rug built), gathers the machine and the versions, and prints the
Markdown on stdout.

Usage: bench-collate.py --criterion DIR --since FILE --python JSON --log FILE --bits 2048,...
                        --command "scripts/bench-report 2048"
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# Crates whose versions the report gives, from benches/Cargo.lock.
CRATES = [
    "hecate-core", "crypto-bigint", "crypto-primes", "criterion", "rug", "gmp-mpfr-sys",
    "fast-paillier", "libpaillier", "unknown_order",
]

# (operation id, what it is). The ids are the criterion function ids of benches/benches/*.rs and
# the "op" of scripts/bench-python-paillier.py.
ROWS = [
    ("powm_n2", "x^e mod n², \\|e\\| = \\|n\\| (raw; r^n of an encryption)"),
    ("powm_p2", "x^e mod p², \\|e\\| = \\|p\\| (raw; CRT decryption)"),
    ("powm_p", "x^e mod p, \\|e\\| = \\|p\\| (raw; CRT encryption)"),
    ("keygen", "key generation (two \\|n\\|/2-bit primes)"),
    ("keygen_prove", "key generation + key proof"),
    ("prove_key", "key proof (gcd(n, φ(n)) = 1)"),
    ("verify_key_proof", "key proof verification"),
    ("encrypt_public", "encrypt, public key"),
    ("raw_encrypt", "raw_encrypt (phe: with a fresh r, no EncodedNumber)"),
    ("encrypt_crt", "encrypt, key holder (CRT)"),
    ("decrypt", "decrypt"),
    ("raw_decrypt", "raw_decrypt (phe: no decoding)"),
    ("rerandomize_public", "re-randomize, public key (phe: obfuscate)"),
    ("rerandomize_crt", "re-randomize, key holder (CRT)"),
    ("add", "add two ciphertexts"),
    ("mul_scalar_i64", "multiply by a negative 62-bit scalar"),
    ("mul_scalar_i256", "multiply by it as a 256-bit integer (Hecate's weight type)"),
    ("predict_4", "predict, 4 features: Σ wᵢ·Enc(xᵢ) + b, re-randomized"),
    ("predict_100", "predict, 100 features"),
]

# (column title, criterion group prefix or "python", whether its operations are constant-time).
COLUMNS = [
    ("Hecate [CT]", "hecate", "constant-time throughout"),
    ("GMP powm [not CT]", "gmp:powm", "**not** constant-time (mpz_powm)"),
    ("GMP powm_sec [CT]", "gmp:powm_sec", "constant-time exponentiation (mpz_powm_sec)"),
    ("fast-paillier [not CT]", "fast-paillier", "**not** constant-time (mpz_powm everywhere)"),
    (
        "libpaillier [CT powm only]",
        "libpaillier",
        "exponentiations constant-time (mpz_powm_sec); inversions, checks and the choice of "
        "sign are not",
    ),
    ("python-paillier [not CT]", "python", "**not** constant-time (gmpy2's powmod: mpz_powm)"),
]


def criterion_results(root, since):
    """{(group, function): median ns} for every benchmark criterion wrote after `since`."""
    found = {}
    for bench in root.glob("*/*/new/benchmark.json"):
        estimates = bench.with_name("estimates.json")
        if not estimates.exists() or estimates.stat().st_mtime < since:
            continue
        meta = json.loads(bench.read_text())
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        found[(meta["group_id"], meta["function_id"])] = median
    return found


def run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    # Virtual machines often name only the vendor: family and model tell the generation.
    family = re.search(r"^cpu family\s*:\s*(\d+)$", cpuinfo, re.M)
    number = re.search(r"^model\s*:\s*(\d+)$", cpuinfo, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    try:
        distro = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M)
    except OSError:
        distro = None
    return {
        "cpu": (model.group(1) if model else platform.processor() or "unknown")
        + (f" (family {family.group(1)}, model {number.group(1)})" if family and number else ""),
        "cores": os.cpu_count(),
        "avx512ifma": "yes" if flags and "avx512ifma" in flags.group(1).split() else "no",
        "os": f"{distro.group(1) if distro else platform.system()}, Linux {platform.release()}",
        # Other jobs on the machine skew the medians: the benchmarks alone keep one core busy.
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def crate_versions(lock_path):
    """Each crate of CRATES as locked; where two versions are locked (crypto-bigint: 0.7 for
    Hecate, 0.5 for libpaillier), the one Hecate's core uses comes first."""
    packages = tomllib.loads(lock_path.read_text())["package"]
    core_deps = next(p for p in packages if p["name"] == "hecate-core").get("dependencies", [])
    versions = {}
    for name in CRATES:
        found = sorted({p["version"] for p in packages if p["name"] == name})
        mine = [d.split(" ", 1)[1] for d in core_deps if d.startswith(name + " ")]
        found.sort(key=lambda v: v not in mine)
        if found:
            versions[name] = " / ".join(found)
    return versions


def hecate_commit():
    commit = run("git", "rev-parse", "--short=12", "HEAD")
    # The report itself is about to change: only other changes make the tree "dirty".
    changes = [
        line for line in run("git", "status", "--porcelain").splitlines()
        if not line.endswith("BENCHMARKS.md")
    ]
    return commit + (" (with uncommitted changes)" if changes else "")


def cell_ms(results, python, column, bits, op):
    """The median of `op` at `bits` in `column`, in ms, or None when it was not measured."""
    if column == "python":
        return python.get((bits, op))
    if column.startswith("gmp:"):
        # GMP only has the raw exponentiations: powm_n2 -> powm_n2 / powm_sec_n2.
        if not op.startswith("powm_"):
            return None
        flavour = column.split(":", 1)[1]
        op = flavour + op[len("powm"):]
        column = "gmp"
    ns = results.get((f"{column}/{bits}", op))
    return None if ns is None else ns / 1e6


def fmt_ms(ms):
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 1:
        return f"{ms:.2f}"
    if ms >= 0.01:
        return f"{ms:.3f}"
    return f"{ms:.4f}"


def table(results, python, bits):
    head = "| operation | " + " | ".join(title for title, _, _ in COLUMNS) + " |"
    lines = [head, "|---|" + "---:|" * len(COLUMNS)]
    for op, what in ROWS:
        cells = [cell_ms(results, python, column, bits, op) for _, column, _ in COLUMNS]
        if all(c is None for c in cells):
            continue
        hecate = cells[0]
        out = []
        for i, ms in enumerate(cells):
            if ms is None:
                out.append("—")
            elif i == 0 or hecate is None:
                out.append(fmt_ms(ms))
            else:
                out.append(f"{fmt_ms(ms)} ({ms / hecate:.2f}×)")
        lines.append(f"| `{op}`: {what} | " + " | ".join(out) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--criterion", type=Path, required=True)
    parser.add_argument("--since", type=Path, required=True)
    parser.add_argument("--python", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--lock", type=Path, default=Path("benches/Cargo.lock"))
    parser.add_argument("--bits", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--keygen-samples", type=int, required=True)
    args = parser.parse_args()

    since = args.since.stat().st_mtime
    results = criterion_results(args.criterion, since)
    py = json.loads(args.python.read_text())
    python = {(r["bits"], r["op"]): r["median_ms"] for r in py["results"]}
    gmp = re.search(r"^GMP version: (\S+)", args.log.read_text(errors="replace"), re.M)
    facts = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": args.command,
        "machine": machine(),
        "versions": {
            "rustc": run("rustc", "--version"),
            "hecate": hecate_commit(),
            "crates": crate_versions(args.lock),
            "gmp": gmp.group(1) if gmp else "unknown (not in the bench log)",
        },
    }
    sizes = [int(b) for b in args.bits.split(",")]
    if not results:
        sys.exit(f"no criterion results newer than {args.since} under {args.criterion}")

    out = []
    out.append("# Benchmarks")
    out.append("")
    out.append(
        f"*Generated by `scripts/bench-report` on {facts['date']}; do not edit by hand.* "
        f"Reproduce with:\n\n```\n{facts['command']}\n```"
    )
    out.append("")
    out.append(
        "Medians in milliseconds, single-threaded, on one machine in one run. In parentheses: the "
        "peer's time divided by Hecate's, so **above 1 means Hecate is faster**. A dash: not "
        "measured (the peer has no such operation, or it is Hecate-only). Hecate and the peers "
        "do the same job per row (same key sizes, plaintext, scalar, model shape); each column "
        "uses its own library's API, and where that has no such call, the nearest thing built "
        "from its primitives (see `benches/benches/peers.rs`)."
    )
    out.append("")
    out.append("Which columns are constant-time (CT: no timing depends on secrets):")
    out.append("")
    for title, _, ct in COLUMNS:
        out.append(f"- {title}: {ct}.")
    out.append(
        "\nThe raw rows run each library's exponentiation on random odd moduli of the given width "
        "with full-width exponents: crypto-bigint's `FixedMontyForm::pow` (Hecate's portable "
        "arithmetic; on a CPU with AVX-512 IFMA Hecate's protocol rows run its own backend "
        "instead), "
        "GMP's `mpz_powm` and `mpz_powm_sec` (through rug). In the protocol rows, GMP appears "
        "inside fast-paillier (powm), libpaillier (powm_sec) and python-paillier (gmpy2: powm)."
    )
    out.append("")
    for bits in sizes:
        out.append(f"## {bits}-bit n")
        out.append("")
        out.append(table(results, python, bits))
        out.append("")
    out.append("## Notes on the peers' jobs")
    out.append("")
    out.append(
        "- Predictions: Hecate's is the company's whole answer (checks, multi-exponentiation by "
        "the model's 256-bit weights, mask, re-randomization; the key proof verified once and "
        "cached). fast-paillier and libpaillier compute Σ wᵢ·Enc(xᵢ) with weights as 62-bit "
        "fixed-point integers, then add Enc(b) with fresh randomness (which re-randomizes). "
        "python-paillier computes Σ wᵢ·Enc(xᵢ) + b with float weights in ±1000 (it aligns the "
        "exponents as it adds), then `obfuscate()`, as the original demo did."
    )
    out.append(
        "- Key generation: Hecate, fast-paillier (its backend's `generate_prime` and "
        "`from_primes`; its own `generate` makes 3072-bit keys of safe primes only), libpaillier "
        "(`BigNumber::prime_from_rng`, as its `random` does at 2048 bits) and python-paillier all "
        f"draw two ordinary primes of half the size; each is the median of {args.keygen_samples} "
        "runs, whose times follow the random prime search (the quartiles are often 2× apart): "
        "read these as rough."
    )
    out.append(
        "- libpaillier has no key-holder encryption and no re-randomization (its `encrypt` refuses "
        "0): re-randomization is c · r^n with its big numbers; its decryption is c^λ mod n² "
        "without the CRT. fast-paillier re-randomizes by adding an encryption of 0."
    )
    out.append("")
    out.append("## Machine and versions")
    out.append("")
    m = facts["machine"]
    out.append(f"- CPU: {m['cpu']}, {m['cores']} cores; AVX-512 IFMA: {m['avx512ifma']}; {m['os']}")
    out.append(
        f"- load average at the end of the run (1, 5, 15 min): {m['load']} (the benchmarks "
        "alone keep one core busy: more means other jobs shared the machine)"
    )
    v = facts["versions"]
    out.append(f"- {v['rustc']}; Hecate commit {v['hecate']}")
    out.append(
        "- crates (benches/Cargo.lock): "
        + ", ".join(f"{name} {ver}" for name, ver in v["crates"].items())
    )
    out.append(f"- GMP built by gmp-mpfr-sys for rug: {v['gmp']}")
    pv = py["versions"]
    out.append(
        f"- Python {pv['python']}, phe {pv['phe']}, gmpy2 {pv['gmpy2']} on {pv['gmp']}"
        + ("" if pv.get("phe_uses_gmpy2") else " (**phe did not find gmpy2**)")
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()
