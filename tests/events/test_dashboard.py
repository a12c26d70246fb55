"""The emulator's dashboard: behind the admin token, secrets masked, and in headless Chromium a
test event sent with the button shows up delivered and verified by the reference receiver.

Screenshots go to test-artifacts/events/. Fails (never skips) when Chromium is missing:
`scripts/test.sh` installs Debian's `chromium`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from harness.browser import chromium, screenshot
from tests.emulator.emulator_support import (
    API_SECRET,
    configuration,
    create_instance,
)
from tests.events.support import events_instance

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "events"
KEY = "dashboard-signature-key-8e21f0c4"
WRONG_KEY = "a-key-the-receiver-does-not-know"


@pytest.fixture(scope="module")
def receiver_keys():
    return [KEY]  # for `receiver` (tests/events/conftest.py); `emu` is tests/conftest.py's


@pytest.fixture(scope="module")
def instances(emu, receiver):
    signed = events_instance(
        emu,
        receiver,
        "/quickbooks/events",
        "customers|invoices|payments|vendors",
        key=KEY,
        minutes=5,
        name="books (signed)",
    )
    wrong = events_instance(
        emu, receiver, "/quickbooks/events", "invoices", key=WRONG_KEY, name="books (wrong key)"
    )
    off = create_instance(emu, name="books (events off)", config=configuration())["id"]
    return {"signed": signed, "wrong": wrong, "off": off}


def dashboard_url(emu) -> str:
    return f"{emu.root_url}/_emulator/dashboard"


def session():
    http = requests.Session()
    http.trust_env = False
    return http


def test_everything_but_the_sign_in_form_needs_the_admin_token(emu, instances):
    http = session()
    url = dashboard_url(emu)
    page = http.get(url, timeout=5)
    assert page.status_code == 401 and 'id="login"' in page.text
    assert http.get(url + "/live", timeout=5).status_code == 401
    assert http.get(url, cookies={"emulator_dashboard": "forged"}, timeout=5).status_code == 401
    assert (
        http.get(url, cookies={"emulator_dashboard": emu.admin_token}, timeout=5).status_code == 401
    )
    before = emu.control("GET", "/deliveries").json()
    sent = http.post(f"{url}/instances/{instances['signed']}/test-event", timeout=5)
    assert sent.status_code == 401 and emu.control("GET", "/deliveries").json() == before
    wrong = http.post(url + "/login", data={"token": "not-it"}, allow_redirects=False, timeout=5)
    assert wrong.status_code == 401 and "That is not the admin token." in wrong.text
    bearer = {"Authorization": f"Bearer {emu.admin_token}"}
    assert http.get(url, headers=bearer, timeout=5).status_code == 200


def test_the_page_never_shows_a_secret(emu, instances):
    http = session()
    signed_in = http.post(
        dashboard_url(emu) + "/login", data={"token": emu.admin_token}, allow_redirects=False
    )
    assert signed_in.status_code == 303
    cookie = signed_in.cookies["emulator_dashboard"]
    assert cookie and cookie != emu.admin_token
    html = http.get(dashboard_url(emu), timeout=5).text
    for secret in (KEY, WRONG_KEY, emu.admin_token, API_SECRET, *emu.accounts[0]):
        assert secret not in html
    assert html.count('<span class="badge ok">set</span>') >= 2


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> BrowserContext:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), timeout_ms=15_000) as context:
        yield context


def delivery_id_from_notice(page: Page) -> str:
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Test event sent: delivery ")
    return notice.inner_text().rsplit(" ", 1)[-1]


def test_send_a_test_event_and_watch_it_arrive_verified(emu, receiver, instances, browser, capsys):
    page = browser.new_page()
    page.goto(dashboard_url(emu))
    expect(page.locator("h1")).to_have_text("Emulator dashboard")
    login_png = screenshot(page, ARTIFACTS / "dashboard-sign-in.png")
    page.fill("#token", emu.admin_token)
    page.click("#sign-in")
    expect(page.locator("h1")).to_have_text("Cloud Elements emulator: events")
    # The session cookie is HttpOnly: the page's own scripts cannot read it.
    assert page.evaluate("document.cookie") == ""

    signed = page.locator(f'tr[data-instance-id="{instances["signed"]}"]')
    expect(signed.locator(".key")).to_have_text("set")
    expect(signed.locator(".resources")).to_have_text("customers, invoices, payments, vendors")
    off = page.locator(f'tr[data-instance-id="{instances["off"]}"]')
    expect(off.locator(".events")).to_have_text("off")
    expect(off.locator("button.send-test")).to_be_disabled()

    signed.locator("button.send-test").click()
    delivery_id = delivery_id_from_notice(page)
    row = page.locator(f'tr[data-delivery-id="{delivery_id}"]')
    expect(row.locator(".status")).to_have_text("delivered")
    expect(row.locator(".verified")).to_have_text("verified")
    expect(row.locator(".code")).to_have_text("200")
    expect(row.locator(".attempts")).to_have_text("1")
    [kept] = receiver.wait_for(lambda d: d["delivery_id"] == delivery_id)
    assert kept["verified"] and kept["events"][0]["objectType"] == "customers"
    delivered_png = screenshot(page, ARTIFACTS / "dashboard-verified.png")

    # Another instance signs with a key the receiver does not hold: 401, retried, queued.
    page.locator(f'tr[data-instance-id="{instances["wrong"]}"] button.send-test').click()
    rejected_id = delivery_id_from_notice(page)
    rejected = page.locator(f'tr[data-delivery-id="{rejected_id}"]')
    # The live table refreshes itself (no reload) until the retries are spent.
    expect(rejected.locator(".status")).to_have_text("queued", timeout=20_000)
    expect(rejected.locator(".verified")).to_have_text("rejected")
    expect(rejected.locator(".code")).to_have_text("401")
    expect(rejected.locator(".attempts")).to_have_text("10")
    rejected_png = screenshot(page, ARTIFACTS / "dashboard-rejected.png")
    for secret in (KEY, WRONG_KEY, emu.admin_token):
        assert secret not in page.content()
    page.close()
    with capsys.disabled():
        print(f"\n[events] screenshots: {login_png} {delivered_png} {rejected_png}")
