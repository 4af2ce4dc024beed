"""Benchmark: validate 100 000 rows (e-mail + phone + first and last name). Budget: ≤ 3 s (SPEC §10).

Run alone: ``python -m tests.benchmarks.bench_validation [ROWS]``. Prints wall and CPU seconds (the CPU
figure is the one to trust on a busy machine). The data is varied the way real
lists are: Turkish numbers in several spellings, French ones, numbers Excel stripped of their '+',
upper-case domains, some invalid values and some duplicates. Each run starts with empty caches.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field

from core.providers import get_provider
from core.validation import _email, _phone_in, prepare

FIRST = ["Ali", "Ayşe", "Mehmet", "Zeynep", "Émilie", "Jean", "José", "María", "İsmail", "Çağla", "Oğuz"]
LAST = ["Yılmaz", "Kaya", "Demir", "Dupont", "Martin", "García", "López", "Şahin", "Öztürk"]
DOMAINS = [
    "gmail.com",
    "Hotmail.COM",
    "yahoo.fr",
    "Example.com.tr",
    "firma.com.tr",
    "orange.fr",
    "EMPRESA.ES",
]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def turkish(rnd: random.Random) -> str:
    op = rnd.choice(["532", "533", "542", "505", "555", "544"])
    a, b, c = rnd.randint(100, 999), rnd.randint(10, 99), rnd.randint(10, 99)
    style = rnd.randrange(6)
    if style == 0:
        return f"0{op} {a} {b} {c}"
    if style == 1:
        return f"+90 {op} {a} {b:02d}{c:02d}"
    if style == 2:
        return f"{op}{a}{b:02d}{c:02d}"
    if style == 3:
        return f"90{op}{a}{b:02d}{c:02d}"  # Excel dropped the '+'
    if style == 4:
        return f"({op}) {a}-{b}-{c}"
    return f"0{op}{a}{b:02d}{c:02d}"


def french(rnd: random.Random) -> str:
    d = [rnd.randint(10, 99) for _ in range(4)]
    style = rnd.randrange(3)
    if style == 0:
        return f"+33 6 {d[0]} {d[1]} {d[2]} {d[3]}"
    if style == 1:
        return f"0033 7 {rnd.randint(50, 89)} {d[1]} {d[2]} {d[3]}"
    return f"336{d[0]}{d[1]}{d[2]}{d[3]}"  # Excel dropped the '+'


def make_table(n: int, seed: int = 7) -> Table:
    rnd = random.Random(seed)
    table = Table(headers=["Ad", "Soyad", "E-posta", "Cep Telefonu"])
    for i in range(n):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@{rnd.choice(DOMAINS)}"
        email = email.encode("ascii", "ignore").decode() if rnd.random() < 0.97 else email
        phone = turkish(rnd) if rnd.random() < 0.8 else french(rnd)
        r = rnd.random()
        if r < 0.01:
            email = email.replace("@", "@@")  # invalid
        elif r < 0.02:
            phone = "3.36112E+10"  # Excel damage
        elif r < 0.03:
            phone = "12345"  # too short
        elif r < 0.05 and table.rows:
            email = table.rows[rnd.randrange(len(table.rows))][2].upper()  # duplicate
        elif r < 0.06:
            email = ""
        table.rows.append([f" {first} ", last, email, phone])
        table.row_numbers.append(i + 2)
    return table


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    table = make_table(n)
    mapping = {0: "name", 1: "surname", 2: "email", 3: "gsm"}
    provider = get_provider("iletimerkezi")
    prepare(make_table(50), mapping, {}, provider)  # imports and phone metadata load outside the timing
    for run in range(3):
        _email.cache_clear()
        _phone_in.cache_clear()
        start, cpu = time.perf_counter(), time.process_time()
        prepared = prepare(table, mapping, {}, provider)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        invalid = sum(1 for c in prepared.checks if not c.ok)
        print(
            f"run {run + 1}: {n} rows validated in {seconds:.2f} s wall, {cpu:.2f} s CPU "
            f"({n / seconds:,.0f} rows/s); {len(prepared.contacts)} ready, {invalid} invalid; budget 3.00 s"
        )
        del prepared
    # Aptania reads numbers as British by default (a calling code shared with GG, IM and JE)
    rnd = random.Random(3)
    uk = Table(headers=["Email", "Mobile", "Profile"])
    for i in range(n):
        uk.rows.append(
            [f"user{i}@Example.co.uk", f"07{rnd.randint(700, 999)} {rnd.randint(100000, 999999)}", "5"]
        )
        uk.row_numbers.append(i + 2)
    uk_mapping = {0: "contactEmailaddress", 1: "contactMobile", 2: "contactProfileID"}
    _email.cache_clear()
    _phone_in.cache_clear()
    start, cpu = time.perf_counter(), time.process_time()
    prepared = prepare(uk, uk_mapping, {}, get_provider("aptania"))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"aptania/GB: {n} rows in {seconds:.2f} s wall, {cpu:.2f} s CPU; {len(prepared.contacts)} ready")


if __name__ == "__main__":
    main()
