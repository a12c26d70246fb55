"""A person's consent in a real browser: Debian's headless Chromium driven by playwright.

Fails (never skips) when Chromium or the playwright package is missing:
`scripts/test.sh` installs `chromium` from Debian's packages.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext

from harness.browser import chromium, screenshot

from .driver import ARTIFACTS, CALLBACK_PATH, OnboardRun

REALM = "9130350000000002"  # not the page's preselected company: the choice must travel


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> BrowserContext:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), timeout_ms=20_000) as context:
        yield context


def test_consent_in_chromium_stores_an_encrypted_grant_that_up_uses(stack, emu, browser, capsys):
    run = OnboardRun(stack)
    page = browser.new_page()
    page.goto(run.consent_url())
    assert page.locator("h1").inner_text() == "Connect to QuickBooks (emulated)"
    consent_png = screenshot(page, ARTIFACTS / "consent.png")
    page.check(f'input[name="realm_id"][value="{REALM}"]')
    page.click("#authorize")
    page.wait_for_selector("#result")
    assert page.locator("#result").inner_text() == (
        f"Connected company {REALM}. You can close this tab."
    )
    success_png = screenshot(page, ARTIFACTS / "success.png")
    code = parse_qs(urlsplit(page.url).query)["code"][0]  # the browser saw it; nobody else
    page.close()
    with capsys.disabled():
        print(f"\n[onboarding] screenshots: {consent_png} {success_png}")

    finished = run.finish()
    assert finished.returncode == 0, finished.output
    assert code not in finished.output
    assert f"Connected instance 'books' to QuickBooks company {REALM}." in finished.stdout
    assert "Next: pulumi preview --diff --stack onboarding" in finished.stdout

    # The code in the stack file only as ciphertext.
    assert code not in stack.config_path.read_text()
    grant = stack.read_config()["config"]["quickbooks:instances"]["books"]["oauth"]
    assert set(grant) == {"code", "realm_id"}
    assert set(grant["code"]) == {"secure"} and grant["code"]["secure"].startswith("v1:")
    # The company id is no secret: plain, and a string (a number would lose digits).
    assert grant["realm_id"] == REALM

    stack.up()
    outputs = stack.outputs()["books"]
    assert outputs["realm_id"] == REALM and outputs["valid"] is True
    live = emu.api("GET", f"/instances/{outputs['instance_id']}").json()
    assert live["configuration"]["quickbooks.realm.id"] == REALM
    assert code not in "\n".join(stack.transcript)


def test_deny_in_chromium_fails_clearly_and_stores_nothing(stack, browser, capsys):
    # `localhost`, as in stacks/Pulumi.dev.yaml: the browser reaches the 127.0.0.1 listener.
    port = urlsplit(stack.app.callback_url).port
    stack.write_config({"quickbooks:oauthCallbackUrl": f"http://localhost:{port}{CALLBACK_PATH}"})
    before = stack.config_path.read_bytes()
    run = OnboardRun(stack)
    page = browser.new_page()
    page.goto(run.consent_url())
    page.click("#deny")
    page.wait_for_selector("#result")
    assert page.url.startswith(f"http://localhost:{port}{CALLBACK_PATH}?")
    assert page.locator("#result").inner_text() == "QuickBooks was not connected."
    assert "Access was denied." in page.content()
    denied_png = screenshot(page, ARTIFACTS / "denied.png")
    page.close()
    with capsys.disabled():
        print(f"\n[onboarding] screenshot: {denied_png}")

    finished = run.finish()
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines() == [
        "onboard: error: consent was denied in the browser (error=access_denied): "
        "nothing was stored"
    ]
    assert stack.config_path.read_bytes() == before
