"""The pull-request summary, from a real `pulumi preview --json` of an e2e stack."""

from harness.accounts import EVENTS_URL
from provider.preview_summary import comment, summarize


def test_summary_shows_each_change_and_secrets_only_as_changed(stack, emu):
    stack.set_instance("books", name="Books", callback_url=EVENTS_URL, tags=["a"])
    first = stack.grant("books")
    stack.set_instance("payroll", name="Payroll", callback_url=EVENTS_URL)
    stack.grant("payroll")
    stack.set_instance("stable", name="Stable", callback_url=EVENTS_URL)
    stack.grant("stable")
    stack.up()

    stack.set_instance(
        "books", name="Books 2", callback_url="https://hooks.example.com/v2", tags=["a", "b"]
    )
    second = stack.grant("books")  # re-consent, same company: changed, in place
    payroll = stack.grant("payroll", realm_id="9130350000000002")  # another company
    preview = stack.preview_json()
    markdown = summarize(preview)

    assert "1 to replace" in markdown and "1 to update" in markdown
    books = markdown.split("update `books`")[1].split("####")[0]
    assert "| name | `Books` | `Books 2` |" in books
    assert "| callback_url | `" + EVENTS_URL + "` | `https://hooks.example.com/v2` |" in books
    assert "| tags | `a` | `a, b` |" in books
    assert "| oauth (secret) |  | changed |" in books
    assert "replace `payroll`" in markdown and "Replaced because of: oauth" in markdown
    assert "`stable`" not in markdown  # unchanged instances are not listed
    for secret in (first["code"], second["code"], payroll["code"]):
        assert secret not in markdown

    # The comment's raw diff comes from the same JSON: no second preview.
    raw = comment(preview, "e2e").split("Raw diff")[1]
    books = raw.split("books update")[1].split("\n+")[0].split("\n~ ")[0]
    assert '~ name: "Books" => "Books 2"' in books
    assert '+ tags[1]: "b"' in books
    assert "~ oauth: [secret] (changed)" in books
    assert "payroll replace [replace: oauth]" in raw
    assert "stable" not in raw
    for secret in (first["code"], second["code"], payroll["code"]):
        assert secret not in raw
