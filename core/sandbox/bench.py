"""``python -m core.sandbox.bench [--clients 16] [--latency 0.05] [--seconds 5]``: sandbox throughput.

Keep-alive stdlib clients in threads send Netcore ``addsync`` requests (each a new contact) for a fixed time;
the figure to compare is requests per second against the ceiling ``clients ÷ latency``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

from core.sandbox import DEMO_CREDENTIALS, Sandbox

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def run(clients: int, latency: float, seconds: float) -> tuple[int, float, int]:
    """(requests answered, elapsed seconds, contacts stored)."""
    with Sandbox(latency=latency) as sandbox:
        url = urlsplit(sandbox.base_url("netcore"))
        key = DEMO_CREDENTIALS["netcore"]["api_key"]
        target = f"{url.path}?type=contact&activity=addsync&apikey={key}"
        counts = [0] * clients
        deadline = time.monotonic() + seconds

        def worker(index: int) -> None:
            connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
            sent = 0
            while time.monotonic() < deadline:
                data = json.dumps({"EMAIL": f"bench{index}-{sent}@example.com", "FIRST_NAME": "Bench"})
                connection.request("POST", target, urlencode({"data": data}), FORM)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"unexpected status {response.status}")
                sent += 1
            counts[index] = sent
            connection.close()

        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        return sum(counts), elapsed, len(sandbox.contacts("netcore"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sandbox.bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    done, elapsed, stored = run(args.clients, args.latency, args.seconds)
    rate = done / elapsed
    share = ""
    if args.latency > 0:
        ceiling = args.clients / args.latency
        share = f" = {rate / ceiling:.0%} of the ceiling {ceiling:.0f} req/s"
    sys.stdout.write(
        f"{done} requests in {elapsed:.2f} s with {args.clients} clients, latency {args.latency:g} s: "
        f"{rate:.0f} req/s{share}; {stored} contacts stored\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
