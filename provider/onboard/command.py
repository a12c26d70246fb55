"""Connect a QuickBooks company to an instance of a stack: consent in a browser,
grant stored encrypted in the stack config.

    python -m provider.onboard --stack dev [--instance NAME] [--oauth1]
                               [--timeout SECONDS] [--no-browser] [--cwd PROJECT_DIR]

Reads the app settings (`quickbooks:oauthApiKey`, `quickbooks:oauthApiSecret`,
`quickbooks:oauthCallbackUrl`, `quickbooks:baseUrl`, or their QUICKBOOKS_*
environment fallbacks), asks Cloud Elements for a consent URL, opens it,
receives the browser's redirect on the callback URL's localhost port, checks
its `state`, and stores the grant with `pulumi config set --secret --path
quickbooks:instances.<NAME>.oauth.<field>`. The grant is never printed and never
on a command line. Exit status 0 when stored; 1 with one line on stderr naming
the cause otherwise; 130 when cancelled.
"""

from __future__ import annotations

import argparse
import os
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..api.client import CloudElementsClient
from ..api.settings import APP_SETTINGS, BASE_URL, ProviderSettings, SettingsError
from ..core.commands import ONBOARD_COMMAND
from .callback import CallbackListener, failure_page, local_callback, success_page
from .consent import grant_from_redirect, start_consent
from .errors import OnboardError
from .stack import INSTANCES_KEY, PulumiStackConfig, StackConfig, grant_path

DEFAULT_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class Options:
    stack: str
    instance: str | None = None
    oauth1: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    no_browser: bool = False
    cwd: Path = Path(".")


@dataclass(frozen=True)
class Connected:
    """What was stored, for the closing message (no grant values)."""

    stack: str
    instance: str
    realm_id: str
    previous_realm_id: str | None
    location: str


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog=ONBOARD_COMMAND,
        description="Connect a QuickBooks company to an instance: consent in a browser, "
        "the grant stored encrypted in the stack config.",
    )
    parser.add_argument("--stack", required=True, help="the stack whose config gets the grant")
    parser.add_argument(
        "--instance",
        help=f"the key under {INSTANCES_KEY} (default: the only one there)",
    )
    parser.add_argument(
        "--oauth1", action="store_true", help="use OAuth 1.0a (white-labelled platforms only)"
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds to wait for the browser (default: %(default)g)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the consent URL, do not open a browser"
    )
    parser.add_argument(
        "--cwd", type=Path, default=Path("."), help="the Pulumi project directory (default: .)"
    )
    args = parser.parse_args(argv)
    return Options(
        stack=args.stack,
        instance=args.instance,
        oauth1=args.oauth1,
        timeout=args.timeout,
        no_browser=args.no_browser,
        cwd=args.cwd,
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def onboard(
    options: Options,
    config: StackConfig,
    *,
    out: TextIO | None = None,
    open_browser: Callable[[str], bool] | None = None,
) -> Connected:
    """The whole flow; raises OnboardError (nothing stored) on any failure."""
    try:
        settings = ProviderSettings.load(config.lookup)
        settings.require(BASE_URL, *APP_SETTINGS)
    except SettingsError as exc:
        raise OnboardError(f"stack {options.stack!r}: {exc}") from None
    assert settings.oauth_callback_url is not None
    address = local_callback(settings.oauth_callback_url)
    instance, existing = choose_instance(config.instances(), options.instance, options.stack)
    grant_path(instance)  # an unusable key fails now, not after the person consented

    def say(line: str = "") -> None:
        print(line, file=out or sys.stdout, flush=True)

    with CallbackListener(address) as listener:
        with CloudElementsClient.from_settings(settings) as client:
            consent = start_consent(client, settings, oauth1=options.oauth1)
        flow = "OAuth 1.0a" if consent.flow == "oauth1" else "OAuth 2.0"
        say(
            f"Connecting instance {instance!r} of stack {options.stack!r} to a QuickBooks "
            f"company ({flow})."
        )
        say("Open this address in a browser, sign in and choose the company:")
        say()
        say(f"    {consent.url}")
        say()
        opener = open_browser or open_in_browser
        if not options.no_browser and opener(consent.url):
            say("(opened in your browser)")
        say(
            f"Waiting up to {options.timeout:g} s for the browser to come back to "
            f"{address.url} (listening on {address.listen_url}; Ctrl-C cancels) ..."
        )
        callback = listener.next_callback(options.timeout)
        try:
            grant = grant_from_redirect(callback.params, consent)
            fields = {name: str(value) for name, value in grant.model_dump().items()}
            stale = sorted(set(existing) - set(fields))
            config.store_grant(instance, fields, stale)
        except OnboardError as exc:
            callback.answer(400, failure_page(exc.page_reason))
            raise
        except BaseException:
            callback.answer(500, failure_page("The command failed. See the terminal."))
            raise
        callback.answer(200, success_page(grant.realm_id, instance, options.stack))

    previous = existing.get("realm_id")
    return Connected(
        stack=options.stack,
        instance=instance,
        realm_id=grant.realm_id,
        previous_realm_id=str(previous) if previous is not None else None,
        location=config.location(),
    )


def choose_instance(
    instances: dict[str, Any], wanted: str | None, stack: str
) -> tuple[str, dict[str, Any]]:
    """The instance key to connect, and its current grant (empty if none)."""
    names = sorted(instances)
    if not names:
        raise OnboardError(
            f"stack {stack!r} declares no instances ({INSTANCES_KEY} is empty): declare one "
            f"first, {declare(stack, wanted or 'books')}"
        )
    if wanted is None:
        if len(names) > 1:
            raise OnboardError(
                f"stack {stack!r} declares several instances ({', '.join(names)}): choose one "
                "with --instance"
            )
        wanted = names[0]
    elif wanted not in instances:
        raise OnboardError(
            f"instance {wanted!r} is not in {INSTANCES_KEY} of stack {stack!r} (declared: "
            f"{', '.join(names)}); to add it, {declare(stack, wanted)}"
        )
    settings = instances[wanted]
    grant = settings.get("oauth") if isinstance(settings, dict) else None
    return wanted, grant if isinstance(grant, dict) else {}


def declare(stack: str, instance: str) -> str:
    """The commands that declare `instance` in `stack`, then get its grant."""
    return (
        f"`pulumi config set --stack {stack} --path '{INSTANCES_KEY}.{instance}.name' "
        f"{instance}`, then run `{ONBOARD_COMMAND} --stack {stack} --instance {instance}`"
    )


def open_in_browser(url: str) -> bool:
    """Opens the URL where a graphical browser is plausible. Without a display,
    `webbrowser` would start a text browser in this very terminal."""
    graphical = (
        sys.platform in ("darwin", "win32")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("BROWSER")
    )
    if not graphical:
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


def closing_message(connected: Connected) -> list[str]:
    stack, instance = connected.stack, connected.instance
    lines = [
        f"Connected instance {instance!r} to QuickBooks company {connected.realm_id}.",
        f"The grant is stored encrypted in {connected.location} "
        f"({INSTANCES_KEY}.{instance}.oauth).",
    ]
    previous = connected.previous_realm_id
    if previous is None:
        lines.append(f"The next `pulumi up --stack {stack}` creates the instance with it.")
    elif previous == connected.realm_id:
        lines.append(
            f"Same company as before: the next `pulumi up --stack {stack}` re-authorizes the "
            "existing instance in place."
        )
    else:
        lines.append(
            f"The previous grant was for company {previous}: the next `pulumi up --stack {stack}` "
            "replaces the instance with one for the new company."
        )
    lines.append(f"Next: pulumi preview --diff --stack {stack}")
    return lines


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        config = PulumiStackConfig(options.stack, options.cwd, options.instance)
        connected = onboard(options, config)
    except OnboardError as exc:
        print(f"onboard: error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("onboard: cancelled: nothing was stored", file=sys.stderr, flush=True)
        return 130
    for line in closing_message(connected):
        print(line, flush=True)
    return 0
