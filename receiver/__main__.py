"""``python -m receiver``: the reference events receiver.

    RECEIVER_SIGNATURE_KEY=… python -m receiver --port 8400

Keys come from environment variables (default: RECEIVER_SIGNATURE_KEY, and
RECEIVER_PREVIOUS_SIGNATURE_KEY during a rotation), so they never show in the
process list; ``--key`` exists for quick experiments. No key is ever printed.
Prints ``listening on http://HOST:PORT`` once it accepts connections, then one
line per delivery.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys

from .limits import DEFAULT_MAX_BODY_BYTES

DEFAULT_KEY_ENV = ("RECEIVER_SIGNATURE_KEY", "RECEIVER_PREVIOUS_SIGNATURE_KEY")


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("expected a positive whole number")
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m receiver",
        description="Reference receiver for Cloud Elements QuickBooks events: verifies "
        "Elements-Webhook-Signature and keeps the last deliveries (GET /deliveries).",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--key-env",
        metavar="VAR",
        action="append",
        help="environment variable holding a key in force; repeat during a rotation "
        f"(default: {', '.join(DEFAULT_KEY_ENV)})",
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="a key in force, on the command line (visible to other users: prefer --key-env)",
    )
    parser.add_argument("--keep", type=int, default=100, help="deliveries kept (default 100)")
    parser.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="bodies over N bytes get 413 before they are read "
        f"(default {DEFAULT_MAX_BODY_BYTES}: a notification carries at most 10 events)",
    )
    return parser.parse_args(argv)


def keys_in_force(args: argparse.Namespace) -> list[str]:
    names = args.key_env or list(DEFAULT_KEY_ENV)
    keys = [os.environ[name] for name in names if os.environ.get(name)]
    return keys + [key for key in args.key if key]


def stop(_signal: int, _frame) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    keys = keys_in_force(args)
    if not keys:
        print(
            "receiver: error: no signature key: set RECEIVER_SIGNATURE_KEY "
            "(or name the variables with --key-env)",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    from .app import create_app, describe

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        sock = socket.create_server((args.host, args.port), reuse_port=False)
    except OSError as exc:
        print(
            f"receiver: error: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    host, port = sock.getsockname()[:2]
    app = create_app(
        keys,
        args.keep,
        on_delivery=lambda d: print(describe(d, len(keys)), flush=True),
        max_body_bytes=args.max_body_bytes,
    )
    print(f"keys in force: {len(keys)}", flush=True)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                print(f"listening on http://{host}:{port}", flush=True)

    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
