"""The committed dev/prod stack files: valid, distinct, and fenced from each other."""

from pathlib import Path

import yaml

from harness.emulator import writes

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def stack_config(name: str) -> dict:
    return yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"]


def test_dev_and_prod_have_different_callbacks_and_allowlists():
    dev, prod = stack_config("dev"), stack_config("prod")
    dev_url = dev["quickbooks:instances"]["books"]["callback_url"]
    prod_url = prod["quickbooks:instances"]["books"]["callback_url"]
    assert dev_url != prod_url
    assert not set(dev["quickbooks:allowedCallbackHosts"]) & set(
        prod["quickbooks:allowedCallbackHosts"]
    )


def test_a_dev_stack_cannot_point_its_callback_at_the_prod_host(stack, emu):
    dev, prod = stack_config("dev"), stack_config("prod")
    stack.write_config({"quickbooks:allowedCallbackHosts": dev["quickbooks:allowedCallbackHosts"]})
    prod_callback = prod["quickbooks:instances"]["books"]["callback_url"]
    stack.set_instance("books", name="Books", callback_url=prod_callback)
    stack.grant("books")
    emu.clear_requests()
    preview = stack.preview(check=False)
    output = preview.stdout + preview.stderr
    assert preview.returncode != 0
    assert "callback_url" in output and "not allowed for this stack" in output
    assert writes(emu) == [] and emu.requests() == []
    # The dev host itself is fine.
    stack.set_instance(
        "books", name="Books", callback_url=dev["quickbooks:instances"]["books"]["callback_url"]
    )
    assert stack.preview(check=False).returncode == 0
