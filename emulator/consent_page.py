"""The HTML consent page that stands in for Intuit's "Connect to QuickBooks" screen."""

from __future__ import annotations

from html import escape

from .catalog import Company
from .records import ConsentSession

CONSENT_PATH = "/oauth/consent"

STYLE = """
body { font-family: sans-serif; max-width: 32rem; margin: 3rem auto; color: #222; }
fieldset { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; }
label { display: block; margin: .4rem 0; }
button { margin: 1rem .5rem 0 0; padding: .5rem 1.5rem; font-size: 1rem; }
#authorize { background: #2ca01c; color: white; border: none; border-radius: 4px; }
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def consent_page(session: ConsentSession, companies: list[Company]) -> str:
    companies = "".join(
        f'<label><input type="radio" name="realm_id" value="{escape(company.realm_id)}"'
        f"{' checked' if index == 0 else ''}> {escape(company.name)}"
        f" <small>(realm {escape(company.realm_id)})</small></label>"
        for index, company in enumerate(companies)
    )
    body = (
        "<h1>Connect to QuickBooks (emulated)</h1>"
        f"<p>An app wants access to a QuickBooks company with scope "
        f"<code>{escape(session.scope)}</code>. It will be sent back to "
        f"<code>{escape(session.callback_url)}</code>.</p>"
        f'<form id="consent" method="post" action="{CONSENT_PATH}">'
        f'<input type="hidden" name="session" value="{escape(session.id)}">'
        f"<fieldset><legend>Choose a company</legend>{companies}</fieldset>"
        '<button type="submit" id="authorize" name="decision" value="authorize">Authorize</button>'
        '<button type="submit" id="deny" name="decision" value="deny">Deny</button>'
        "</form>"
    )
    return page("Connect to QuickBooks", body)


def error_page(message: str) -> str:
    return page("Consent failed", f"<h1>Consent failed</h1><p>{escape(message)}</p>")
