"""``python -m core.sandbox [--host H] [--port N] [--latency S] [--seed N]``: run the sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from core.sandbox import DEMO_CREDENTIALS, PROVIDERS, Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--seed", type=int, default=None, help="seed for ids and injected faults")
    args = parser.parse_args(argv)
    with Sandbox(host=args.host, port=args.port, latency=args.latency, seed=args.seed) as sandbox:
        print(f"Contact Uploader sandbox on {sandbox.root_url} (latency {args.latency:g} s).")
        print("Press Ctrl-C to stop it.")
        for provider in PROVIDERS:
            print(f"\n{provider}: {sandbox.base_url(provider)}")
            for name, value in DEMO_CREDENTIALS[provider].items():
                print(f"    {name} = {value}")
        print(flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
