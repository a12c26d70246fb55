"""The dashboard page: instances with their event configuration, deliveries, a test-event button.

Rendering only (plain HTML, escaped); the routes live in routes/dashboard.py. No
secret is ever rendered: a signature key shows as "set" or "none".
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any

from . import configuration as config_rules
from .activity import DEFAULT_REFRESH_MINUTES, deliverable
from .catalog import ELEMENT_KEY, ELEMENTS, POLLER_RESOURCES
from .records import InstanceRecord

PATH = "/_emulator/dashboard"
COOKIE = "emulator_dashboard"
REFRESH_MS = 2000
_test_numbers = itertools.count(1)


def session_value(admin_token: str) -> str:
    """What the dashboard cookie holds: derived from the admin token, never the token."""
    return hmac.new(admin_token.encode(), b"emulator dashboard session", hashlib.sha256).hexdigest()


def next_test_object_id() -> str:
    return f"test-{next(_test_numbers)}"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem 2rem; color: #1d2330; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
.sub { color: #666; margin: 0 0 1rem; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e3e6ec;
         vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
code { font-size: .8rem; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 9px; font-size: .75rem; }
.ok { background: #dff3e1; color: #17692a; } .bad { background: #fbe1e1; color: #9b1c1c; }
.wait { background: #fff3cd; color: #7a5b00; } .off { background: #eceef1; color: #555; }
button { padding: .3rem .8rem; border-radius: 4px; border: 1px solid #2ca01c;
         background: #2ca01c; color: white; cursor: pointer; }
button:disabled { background: #ccc; border-color: #ccc; cursor: not-allowed; }
.notice { padding: .5rem .8rem; border-radius: 4px; margin: .8rem 0; }
form.inline { display: inline; margin: 0; }
"""

SCRIPT = f"""
setInterval(async () => {{
  const answer = await fetch("{PATH}/live", {{credentials: "same-origin"}});
  if (answer.ok) document.getElementById("live").innerHTML = await answer.text();
}}, {REFRESH_MS});
"""


def page(title: str, body: str, script: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}"
        f"{f'<script>{script}</script>' if script else ''}</body></html>\n"
    )


def login_page(wrong: bool = False) -> str:
    problem = (
        '<p class="notice bad" id="login-error">That is not the admin token.</p>' if wrong else ""
    )
    return page(
        "Emulator dashboard: sign in",
        "<h1>Emulator dashboard</h1>"
        '<p class="sub">Paste the emulator\'s admin token (for <code>make serve</code>: '
        "<code>EMULATOR_ADMIN_TOKEN</code> in <code>.state/local.env</code>).</p>"
        f"{problem}"
        f'<form id="login" method="post" action="{PATH}/login">'
        '<input type="password" name="token" id="token" autocomplete="off" size="40" required> '
        '<button type="submit" id="sign-in">Sign in</button></form>',
    )


def dashboard_page(
    instances: list[InstanceRecord],
    deliveries: list[dict[str, Any]],
    notice: str | None = None,
    notice_ok: bool = True,
    subscriptions: dict[int, str] | None = None,
) -> str:
    banner = ""
    if notice:
        banner = (
            f'<p class="notice {"ok" if notice_ok else "bad"}" id="notice">{escape(notice)}</p>'
        )
    return page(
        "Emulator dashboard",
        "<h1>Cloud Elements emulator: events</h1>"
        '<p class="sub">Instances of every organization, and the latest event deliveries. '
        f"Refreshes every {REFRESH_MS // 1000} s.</p>"
        f'{banner}<div id="live">{live_section(instances, deliveries, subscriptions)}</div>',
        SCRIPT,
    )


def live_section(
    instances: list[InstanceRecord],
    deliveries: list[dict[str, Any]],
    subscriptions: dict[int, str] | None = None,
) -> str:
    return (
        f"<h2>Instances ({len(instances)})</h2>{instances_table(instances, subscriptions or {})}"
        f"<h2>Deliveries (latest {len(deliveries)})</h2>{deliveries_table(deliveries)}"
    )


INSTANCE_COLUMNS = (
    "id", "name", "element", "org", "state", "events", "deliveries", "subscription",
    "callback URL", "polled resources", "interval", "vendor type", "signature key", "",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "time (UTC)", "delivery", "instance", "source", "events", "URL", "status", "attempts",
    "response", "signature", "latency",
)  # fmt: skip


def instances_table(instances: list[InstanceRecord], subscriptions: dict[int, str]) -> str:
    if not instances:
        return '<p id="no-instances">No instances yet: run <code>make up</code>.</p>'
    rows = (_instance_row(record, subscriptions.get(record.id, "-")) for record in instances)
    return _table("instances", INSTANCE_COLUMNS, rows)


def _instance_row(record: InstanceRecord, subscription: str) -> str:
    config = record.configuration
    events_on = config_rules.events_enabled(config)
    polled = config_rules.poller_resources(config)
    if len(polled) == len(POLLER_RESOURCES):
        resources = f"all {len(POLLER_RESOURCES)}"
    else:
        resources = ", ".join(polled) or "none"
    interval = config.get(config_rules.REFRESH_INTERVAL.name)
    interval_text = f"{interval} min" if interval else f"default ({DEFAULT_REFRESH_MINUTES} min)"
    has_key = bool(config.get(config_rules.SIGNATURE_KEY.name))
    callback = config.get(config_rules.EVENT_CALLBACK_URL.name, "")
    vendor_type = config.get(config_rules.VENDOR_TYPE.name, "-")
    reason = deliverable(record) or (None if polled else "no polled resources")
    button = (
        f'<form class="inline" method="post" action="{PATH}/instances/{record.id}/test-event">'
        f'<button type="submit" class="send-test" title="{escape(reason or "")}"'
        f"{' disabled' if reason else ''}>Send test event</button></form>"
    )
    return (
        f'<tr data-instance-id="{record.id}"><td>{record.id}</td><td>{escape(record.name)}</td>'
        f'<td class="element">{escape(ELEMENTS[record.element_key]["name"])}</td>'
        f"<td>{record.account_id}</td>"
        f'<td class="state">{_state_badges(record)}</td>'
        f'<td class="events">{_badge("on", "ok") if events_on else _badge("off", "off")}</td>'
        f'<td class="delivery">{escape(_delivery_note(record, events_on))}</td>'
        f'<td class="subscription">{_badge(subscription, _subscription_kind(subscription))}</td>'
        f'<td class="callback"><code>{escape(callback)}'
        f'</code></td><td class="resources">{escape(resources)}</td>'
        f"<td>{escape(interval_text)}</td><td>{escape(vendor_type)}</td>"
        f'<td class="key">{_badge("set", "ok") if has_key else _badge("none", "off")}</td>'
        f"<td>{button}</td></tr>"
    )


def _state_badges(record: InstanceRecord) -> str:
    badges = [_badge("disabled", "bad") if record.disabled else _badge("enabled", "ok")]
    if not record.valid:
        badges.append(_badge("authorization lost", "bad"))
    return " ".join(badges)


def _delivery_note(record: InstanceRecord, events_on: bool) -> str:
    """Why the instance gets no events, in a few words (deliverable() has the sentence)."""
    if record.element_key != ELEMENT_KEY:
        return f"not delivered: a {record.element_key} instance (events are QuickBooks')"
    if not events_on:
        return "not delivered: events off"
    if record.disabled:
        return "not delivered: instance disabled"
    if not record.valid:
        return f"not delivered: authorization lost ({record.auth_lost})"
    return "delivers events"


def _subscription_kind(note: str) -> str:
    if note.startswith("deactivated"):
        return "bad"
    return "wait" if "queued" in note else ("ok" if note == "active" else "off")


def deliveries_table(deliveries: list[dict[str, Any]]) -> str:
    if not deliveries:
        return '<p id="no-deliveries">No deliveries yet: press <em>Send test event</em>.</p>'
    return _table("deliveries", DELIVERY_COLUMNS, map(_delivery_row, deliveries))


def _table(table_id: str, columns: Iterable[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th>{column}</th>" for column in columns)
    return (
        f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _delivery_row(d: dict[str, Any]) -> str:
    status_kind = {"delivered": "ok", "queued": "bad"}.get(d["status"], "wait")
    verified = {True: ("verified", "ok"), False: ("rejected", "bad")}.get(
        d["verified"], ("not reported", "off")
    )
    created = d["createdAt"]
    when = datetime.fromtimestamp(created, UTC).strftime("%H:%M:%S") if created else "-"
    latency = "-"
    if created and d["finishedAt"]:
        latency = f"{(d['finishedAt'] - created) * 1000:.0f} ms"
    code = d["responseCode"] if d["responseCode"] is not None else "none"
    return (
        f'<tr data-delivery-id="{escape(d["deliveryId"])}"><td>{when}</td>'
        f'<td><code title="{escape(d["deliveryId"])}">{escape(d["deliveryId"][:8])}</code></td>'
        f"<td>{d['instanceId']}</td><td>{escape(d['source'] or '-')}</td>"
        f"<td>{d['events'] if d['events'] is not None else '-'}</td>"
        f"<td><code>{escape(d['url'] or '-')}</code></td>"
        f'<td class="status">{_badge(d["status"], status_kind)}</td>'
        f'<td class="attempts">{d["attempts"]}</td><td class="code">{code}</td>'
        f'<td class="verified">{_badge(*verified)}</td><td>{latency}</td></tr>'
    )


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{escape(text)}</span>'
