"""``python -m hubspot_emulator``: serve the emulator in the foreground until Ctrl-C/SIGTERM.

The same server as ``hs-japan emulator serve``, without hs-japan: any HubSpot client can
point its base URL at it. Portals, faults and limits go through the control API under
``/_emulator/`` (docs/emulator.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hubspot_emulator.limits import MAX_LATENCY_MS
from hubspot_emulator.server import check_options, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hubspot_emulator",
        description="A local HubSpot portal emulator on loopback (no account, no network).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--data", type=Path, default=None, help="state directory (SQLite); in memory if left out"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, help=f"added to every answer (0..{MAX_LATENCY_MS})"
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="seed for probabilistic faults")
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce the per-tier rate limits"
    )
    args = parser.parse_args(argv)
    try:
        check_options(args.host, args.port, args.latency_ms)
        if args.data is not None:
            args.data.mkdir(parents=True, exist_ok=True)
        serve(
            args.host,
            args.port,
            args.data,
            latency_ms=args.latency_ms,
            seed=args.fault_seed,
            rate_limits=not args.no_rate_limits,
        )
    except (ValueError, OSError) as exc:
        print(f"hubspot_emulator: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
