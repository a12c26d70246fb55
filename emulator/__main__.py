"""``python -m emulator`` (installed: ``quickbooks-emulator``): start the Cloud Elements emulator.

Prints, in order: the generated account (when none was given), the admin token
(when none was given), then ``listening on <base url>`` once it accepts connections.

Secrets come from the environment (``EMULATOR_ACCOUNTS``, ``EMULATOR_ADMIN_TOKEN``),
never from the command line, where every local user can read them (``ps``,
``/proc/*/cmdline``). ``--account`` and ``--admin-token`` still work, with a warning.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import sys

from .catalog import MAX_COMPANIES
from .options import ServerOptions

SECRET_FORMAT = re.compile(r"^[^\s,:]+$")
# Where the secrets come from: the environment, so no process list shows them.
ACCOUNTS_ENV = "EMULATOR_ACCOUNTS"  # ORG_SECRET:USER_SECRET[,ORG_SECRET:USER_SECRET...]
ADMIN_TOKEN_ENV = "EMULATOR_ADMIN_TOKEN"
ON_COMMAND_LINE = (
    "warning: {flag} puts a secret on the command line, where every local user can read "
    "it (ps); set {env} in the environment instead (the flag is deprecated)"
)


def account(value: str) -> tuple[str, str]:
    org, sep, user = value.partition(":")
    if not sep or not SECRET_FORMAT.match(org) or not SECRET_FORMAT.match(user):
        raise argparse.ArgumentTypeError(
            "expected ORG_SECRET:USER_SECRET, without spaces, commas or further colons"
        )
    return org, user


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return number


def company_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_COMPANIES:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_COMPANIES}")
    return int(value)


def page_size(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("expected a whole number from 1")
    return int(value)


def program_name(argv0: str | None = None) -> str:
    """The command as it was typed: `quickbooks-emulator`, or `python -m <package>`."""
    name = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    return f"python -m {__package__}" if name in ("__main__.py", "") else name


def parse_args(
    argv: list[str] | None = None, environ: dict[str, str] | None = None
) -> ServerOptions:
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Local emulator of the Cloud Elements /elements/api-v2 instances API "
        "for the quickbooks element.",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--db", dest="db_path", metavar="PATH", help="SQLite file for all state (default: memory)"
    )
    parser.add_argument(
        "--account",
        dest="accounts",
        metavar="ORG_SECRET:USER_SECRET",
        type=account,
        action="append",
        default=[],
        help=f"deprecated (visible in the process list): use {ACCOUNTS_ENV}; an organization "
        "and its user secret; repeat for several (default: one generated)",
    )
    parser.add_argument(
        "--admin-token",
        help=f"deprecated (visible in the process list): use {ADMIN_TOKEN_ENV}; bearer token "
        "for /_emulator (default: generated)",
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="delay added to every API response"
    )
    parser.add_argument(
        "--fast-retries",
        action="store_true",
        help="the platform's clocks (delivery retries, token refresh) scaled by 2^-16: "
        "all 9 delivery retries within 4 s",
    )
    parser.add_argument(
        "--code-ttl", type=float, default=600.0, help="lifetime of OAuth codes in seconds"
    )
    parser.add_argument(
        "--simulate-activity",
        action="store_true",
        help="a simulated company changes things; events-enabled instances are polled at "
        "their event.poller.refresh_interval and get events for their polled resources",
    )
    parser.add_argument(
        "--poll-seconds-per-minute",
        type=positive_float,
        default=60.0,
        metavar="S",
        help="how long one minute of a refresh interval lasts (default 60; tests use less)",
    )
    parser.add_argument(
        "--activity-changes",
        type=int,
        default=1,
        choices=range(1, 101),
        metavar="N",
        help="changes per resource between two polls of the simulated company (default 1)",
    )
    parser.add_argument(
        "--companies",
        type=company_count,
        default=3,
        metavar="N",
        help="QuickBooks companies on the consent page: the three sandbox ones first, then "
        "generated ones (default 3; one authorized instance per company, so tests that "
        "make many instances need as many)",
    )
    parser.add_argument(
        "--max-page-size",
        type=page_size,
        default=200,
        metavar="N",
        help="the default and the maximum pageSize of every list (default 200, the "
        "platform's; tests use a small one to make many pages of few instances)",
    )
    parser.epilog = (
        f"environment: {ACCOUNTS_ENV}=ORG_SECRET:USER_SECRET[,...] the organizations and "
        f"their user secrets; {ADMIN_TOKEN_ENV}=T the bearer token for /_emulator"
    )
    # Each option's dest is a field of ServerOptions.
    options = ServerOptions(**vars(parser.parse_args(argv)))
    environ = os.environ if environ is None else environ
    for flag, env, given in (
        ("--account", ACCOUNTS_ENV, options.accounts),
        ("--admin-token", ADMIN_TOKEN_ENV, options.admin_token),
    ):
        if given:
            print(ON_COMMAND_LINE.format(flag=flag, env=env), file=sys.stderr, flush=True)
    if not options.accounts and environ.get(ACCOUNTS_ENV):
        try:
            options.accounts = [account(a) for a in environ[ACCOUNTS_ENV].split(",")]
        except argparse.ArgumentTypeError as exc:
            parser.error(f"{ACCOUNTS_ENV}: {exc}")
    if not options.admin_token and environ.get(ADMIN_TOKEN_ENV):
        options.admin_token = environ[ADMIN_TOKEN_ENV]
    return options


def identities(store, options: ServerOptions) -> tuple[str, list[str]]:
    """The admin token in force, and the lines announcing what was not given.

    With --db, accounts and the admin token come back from the database, so a
    restart keeps working with the secrets a client already holds.
    """
    lines = []
    if options.accounts:
        for org, user in options.accounts:
            store.add_account(org, user)
    else:
        accounts = store.accounts()
        if not accounts:
            accounts = [(secrets.token_hex(16), secrets.token_hex(16))]
            store.add_account(*accounts[0])
        lines += [f"account: organization={org} user={user}" for org, user in accounts]
    if options.admin_token:
        admin_token = options.admin_token
        store.set_meta("admin_token", admin_token)
    else:
        admin_token = store.get_meta("admin_token") or secrets.token_urlsafe(24)
        store.set_meta("admin_token", admin_token)
        lines.append(f"admin token: {admin_token}")
    return admin_token, lines


def stop(_signal: int, _frame) -> None:
    # Before uvicorn takes over the signals (and again after it restores
    # ours): leave through the finally blocks so the database closes cleanly.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # Imported after parsing: --help and usage errors answer without loading
    # FastAPI and uvicorn.
    from .app import build_context, create_app
    from .catalog import API_PREFIX
    from .server import listening_socket, serve, url_host
    from .store import Store

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store = Store(options.db_path)
    try:
        store.queue_pending_deliveries()
        admin_token, lines = identities(store, options)
        ctx = build_context(options, store, admin_token)
        sock = listening_socket(options.host, options.port)
        base_url = f"http://{url_host(sock)}:{sock.getsockname()[1]}{API_PREFIX}"
        for line in lines:
            print(line, flush=True)
        if ctx.activity is not None:
            ctx.activity.start()
        try:
            serve(create_app(ctx), sock, lambda: print(f"listening on {base_url}", flush=True))
        finally:
            if ctx.activity is not None:
                ctx.activity.stop()
            ctx.events.stop()
    finally:
        store.close()
    return 0


# What the installed `quickbooks-emulator` needs beyond the package's own dependencies.
EXTRA = ("fastapi", "starlette", "uvicorn")


def cli() -> int:
    """`quickbooks-emulator`, the installed command: `main`, or one line naming the
    extra to install when the package came without it."""
    try:
        return main()
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] not in EXTRA:
            raise
        print(
            f"quickbooks-emulator: {missing.name} is not installed; the emulator comes with "
            "the package's `emulator` extra: pip install 'pulumi-quickbooks[emulator]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
