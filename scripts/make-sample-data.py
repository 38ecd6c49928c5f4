#!/usr/bin/env python3
"""Writes data/employees.csv: a small synthetic employee dataset for `hecate train`.

The columns are those of the original demo (age, healthy_eating 0-10, active_lifestyle 0-10,
gender 0/1, salary). Rows are drawn from a seeded generator, so the file is reproducible:

    salary = 600 + 14·age + 130·healthy_eating − 25·active_lifestyle + 60·gender + noise

with Gaussian noise (σ = 180), rounded to whole units. No real person is in it.

Usage: python3 scripts/make-sample-data.py > data/employees.csv
"""

import random
import sys

ROWS = 240
SEED = 20261125


def main():
    rng = random.Random(SEED)
    out = sys.stdout
    out.write("age,healthy_eating,active_lifestyle,gender,salary\n")
    for _ in range(ROWS):
        age = rng.randint(20, 65)
        healthy = rng.randint(0, 10)
        active = rng.randint(0, 10)
        gender = rng.randint(0, 1)
        salary = 600 + 14 * age + 130 * healthy - 25 * active + 60 * gender + rng.gauss(0, 180)
        out.write(f"{age},{healthy},{active},{gender},{round(salary)}\n")


if __name__ == "__main__":
    main()
