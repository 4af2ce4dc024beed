"""Upload throughput against the sandbox with 50 ms latency (SPEC section 10).

    python -m tests.benchmarks.bench_upload [--rows 800] [--octopush-rows 20000] [--latency 0.05]
                                            [--in-process] [--no-sequential] [--providers a,b]
                                            [--profile PROVIDER]

For each provider: the engine (``core.engine.run_job`` with its journal, at the provider's default
concurrency) beside a plain sequential loop over the same number of rows (one ``httpx.Client`` request
after another, no journal), and a "bare loop" — the same requests at the same concurrency with no
parsing and no journal — which shows what this sandbox on this machine allows at best. The budget is
≥ 90 % of the limit: concurrency ÷ latency for one-per-request providers; for Octopush
rows ÷ (rounds × latency), rounds = ⌈rows ÷ (200 × concurrency)⌉.

``--profile octopush`` runs only the engine for that provider under cProfile and prints where the event
loop's time goes (the top functions by own time and by cumulative time).

The sandbox runs in its own process (``python -m core.sandbox``) so that it is not the bottleneck and
does not share the engine's interpreter lock; ``--in-process`` runs it in a thread instead.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.engine import run_job  # noqa: E402 - after the path set-up, for `python tests/benchmarks/...`
from core.journal import Journal  # noqa: E402
from core.model import Contact  # noqa: E402
from core.providers import get_provider  # noqa: E402
from core.sandbox import DEMO_CREDENTIALS  # noqa: E402

BASE_PATHS = {
    "netcore": "/netcore/apiv2",
    "iletimerkezi": "/iletimerkezi/v1",
    "aptania": "/aptania/services",
    "octopush": "/octopush/v1/public",
}


def make_contacts(provider: str, n: int, tag: int) -> list[Contact]:
    out = []
    for i in range(n):
        if provider == "netcore":
            fields = {"EMAIL": f"b{tag}-{i}@ornek.com", "NAME": f"Kişi {i}"}
        elif provider == "iletimerkezi":
            fields = {"name": f"Ayşe {i}", "gsm": f"+9053{tag % 10}{i:07d}"}
        elif provider == "aptania":
            fields = {"contactEmailaddress": f"b{tag}-{i}@ornek.com", "contactProfileID": "1"}
        else:
            fields = {"phone_number": f"+336{tag % 10}{i:07d}", "first_name": f"Hélène {i}"}
        out.append(Contact(key=i + 2, fields=fields))
    return out


@contextmanager
def sandbox_root(latency: float, in_process: bool) -> Iterator[str]:
    if in_process:
        from core.sandbox import Sandbox

        with Sandbox(latency=latency) as sb:
            yield sb.root_url
        return
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.sandbox", "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+)", line)
        if not match:
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(10)


def engine_rate(
    provider_name: str, base_url: str, contacts: list[Contact], journal: Journal
) -> tuple[float, dict[str, int]]:
    provider = get_provider(provider_name)
    job = journal.create_job(f"bench-{time.time()}", provider_name, "bench", {}, {}, len(contacts))
    start = time.perf_counter()
    summary = run_job(
        provider, DEMO_CREDENTIALS[provider_name], base_url, contacts, {}, journal=journal, job_id=job
    )
    elapsed = time.perf_counter() - start
    return len(contacts) / elapsed, {str(k): v for k, v in summary.counts.items()}


def sequential_rate(provider_name: str, base_url: str, contacts: list[Contact]) -> float:
    provider = get_provider(provider_name)
    creds = DEMO_CREDENTIALS[provider_name]
    by_key = {c.key: c for c in contacts}
    start = time.perf_counter()
    with httpx.Client(timeout=30.0) as client:
        for request in provider.build_requests(contacts, {}, creds, base_url):
            response = client.request(request.method, request.url, headers=dict(request.headers),
                                      content=request.body)
            provider.parse_response(
                request, response.status_code, response.headers, response.content, by_key
            )
    return len(contacts) / (time.perf_counter() - start)


def bare_async_rate(provider_name: str, base_url: str, contacts: list[Contact]) -> float:
    """The ceiling of this sandbox: the same requests at the same concurrency, no parsing, no journal."""
    import asyncio

    provider = get_provider(provider_name)
    requests = iter(provider.build_requests(contacts, {}, DEMO_CREDENTIALS[provider_name], base_url))
    conc = provider.default_concurrency

    async def go() -> float:
        limits = httpx.Limits(max_connections=conc)
        async with httpx.AsyncClient(limits=limits, verify=False, timeout=30.0) as client:
            async def worker() -> None:
                for r in requests:
                    await client.request(r.method, r.url, headers=dict(r.headers), content=r.body)

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(conc)))
            return time.perf_counter() - start

    return len(contacts) / asyncio.run(go())


def limit_for(provider_name: str, rows: int, latency: float) -> tuple[float, str]:
    provider = get_provider(provider_name)
    c = provider.default_concurrency
    if provider.batch_size == 1:
        return c / latency, f"{c} ÷ {latency:g} s"
    rounds = math.ceil(rows / (provider.batch_size * c))
    return rows / (rounds * latency), f"{rows} ÷ ({rounds} × {latency:g} s)"


def profile(name: str, rows: int, latency: float, in_process: bool) -> int:
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory() as home:
        os.environ["CONTACT_UPLOADER_HOME"] = home
        journal = Journal()
        with sandbox_root(latency, in_process) as root:
            base_url = root + BASE_PATHS[name]
            engine_rate(name, base_url, make_contacts(name, min(rows, 400), 90), journal)  # warm up
            contacts = make_contacts(name, rows, 91)
            profiler = cProfile.Profile()
            profiler.enable()
            rate, counts = engine_rate(name, base_url, contacts, journal)
            profiler.disable()
        journal.close()
    limit, formula = limit_for(name, rows, latency)
    print(f"{name}: {rate:.1f} rows/s under the profiler ({100 * rate / limit:.1f}% of {limit:.0f} = "
          f"{formula}) {counts}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(25)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=800, help="rows per one-per-request provider")
    parser.add_argument("--octopush-rows", type=int, default=20000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument(
        "--in-process", action="store_true", help="run the sandbox in a thread of this process"
    )
    parser.add_argument("--no-sequential", action="store_true", help="skip the sequential comparison")
    parser.add_argument("--providers", default="netcore,iletimerkezi,aptania,octopush")
    parser.add_argument("--profile", metavar="PROVIDER", help="profile the engine for one provider")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile, args.octopush_rows if args.profile == "octopush" else args.rows,
                       args.latency, args.in_process)

    with tempfile.TemporaryDirectory() as home:
        os.environ["CONTACT_UPLOADER_HOME"] = home
        journal = Journal()
        where = "in-process thread" if args.in_process else "separate process"
        print(f"Sandbox latency {args.latency * 1000:.0f} ms, {where}; the engine includes its journal. "
              f"Load average {os.getloadavg()[0]:.2f}.")
        print(f"{'provider':<13}{'rows':>7}{'conc':>6}{'limit rows/s':>32}{'engine rows/s':>15}"
              f"{'% of limit':>12}{'sequential rows/s':>19}{'speed-up':>10}{'bare loop':>12}{'%':>9}")
        worst = 100.0
        with sandbox_root(args.latency, args.in_process) as root:
            for tag, name in enumerate(args.providers.split(",")):
                name = name.strip()
                rows = args.octopush_rows if name == "octopush" else args.rows
                base_url = root + BASE_PATHS[name]
                limit, formula = limit_for(name, rows, args.latency)
                rate, counts = engine_rate(name, base_url, make_contacts(name, rows, tag), journal)
                share = 100 * rate / limit
                worst = min(worst, share)
                bare = bare_async_rate(name, base_url, make_contacts(name, rows, tag + 10))
                if args.no_sequential:
                    seq_text, speed = "-", "-"
                else:
                    seq = sequential_rate(name, base_url, make_contacts(name, rows, tag + 5))
                    seq_text, speed = f"{seq:.1f}", f"{rate / seq:.1f}×"
                conc = get_provider(name).default_concurrency
                limit_text = f"{limit:.0f} ({formula})"
                print(f"{name:<13}{rows:>7}{conc:>6}{limit_text:>32}{rate:>15.1f}{share:>11.1f}%"
                      f"{seq_text:>19}{speed:>10}{bare:>12.1f}{100 * bare / limit:>8.1f}%   {counts}")
        journal.close()
    print(f"Worst share of the limit: {worst:.1f}% (budget ≥ 90%).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
