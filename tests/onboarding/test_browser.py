"""A person's consent in a real browser: Debian's headless Chromium driven by playwright.

Fails (never skips) when Chromium or the playwright package is missing:
`scripts/test.sh` installs `chromium` from Debian's packages.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from .driver import ARTIFACTS, CALLBACK_PATH, OnboardRun

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: Chromium must not try the (closed) network on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
REALM = "9130350000000002"  # not the page's preselected company: the choice must travel


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> BrowserContext:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver "
        "(scripts/test.sh does this)"
    )
    profile = tmp_path_factory.mktemp("chromium-profile")  # fresh user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_consent_in_chromium_stores_an_encrypted_grant_that_up_uses(stack, emu, browser, capsys):
    run = OnboardRun(stack)
    page = browser.new_page()
    page.goto(run.consent_url())
    assert page.locator("h1").inner_text() == "Connect to QuickBooks (emulated)"
    consent_png = shot(page, "consent.png")
    page.check(f'input[name="realm_id"][value="{REALM}"]')
    page.click("#authorize")
    page.wait_for_selector("#result")
    assert page.locator("#result").inner_text() == (
        f"Connected company {REALM}. You can close this tab."
    )
    success_png = shot(page, "success.png")
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
    assert live["configuration"]["realmId"] == REALM
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
    denied_png = shot(page, "denied.png")
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
