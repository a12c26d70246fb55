"""Changes made behind the provider's back: an instance deleted, edited or imitated by
hand between or during runs. Each run either converges or fails naming the instance and
the command that repairs it (`pulumi refresh`), and the next run converges."""

from __future__ import annotations

import pytest

from .engine import (
    Resource,
    assert_converged,
    assert_gone,
    assert_good_error,
    attempt,
    changed,
    desired,
    edit_by_hand,
    live_config,
    make_by_hand,
)
from .front_ends import FRONT_ENDS
from .ledger import LEDGER

# Every row runs on both front-ends: the retries, the lookup and adoption are the core's,
# what each front-end adds (its wire form, its secrets, its event loop) is what differs.
pytestmark = pytest.mark.parametrize("front_end", FRONT_ENDS)

# --- 404 in the middle of an update, and changes made behind the provider's back -------


def _update_is_refused_with_404(resource: Resource, make_provider) -> None:
    """The update's PATCH meets a 404: the error names the update and says to refresh."""
    instance_id = resource.id
    error = attempt(lambda: resource.up(make_provider()))
    assert error is not None
    assert_good_error(
        error,
        names=[f"update instance {instance_id}", "pulumi refresh"],
        fault={"kind": "status", "status": 404},
    )


def test_update_meets_a_transient_404(emu, make_provider, grant, ours):
    resource = ours
    resource.check(make_provider(), changed(resource.raw))
    with LEDGER.fault("provider", "update × 404 (transient) × once"):
        emu.add_fault("PATCH", f"/instances/{resource.id}", status=404)
        _update_is_refused_with_404(resource, make_provider)
        emu.clear_faults()
        resource.up(make_provider(), refresh=True)  # `pulumi up --refresh`: it is still there
        assert_converged(emu, make_provider(), resource)


def test_update_of_an_instance_deleted_meanwhile(emu, make_provider, grant, ours):
    resource = ours
    old_id = resource.id
    resource.check(make_provider(), changed(resource.raw))
    with LEDGER.fault("provider", "update × deleted out of band (404) × once"):
        assert emu.api("DELETE", f"/instances/{old_id}").status_code == 200
        _update_is_refused_with_404(resource, make_provider)
        # The next run: refresh drops it, and re-creating it needs a new consent.
        resource.check(make_provider(), {**resource.raw, "oauth": grant()})
        resource.up(make_provider(), refresh=True)
        assert resource.id != old_id
        assert_converged(emu, make_provider(), resource)


def test_create_ignores_a_look_alike_made_by_hand(emu, app, make_provider, grant):
    """Same name and tags, no ownership tag: someone else's instance, never adopted."""
    resource = Resource(desired(grant()))
    resource.check(make_provider())
    with LEDGER.fault("provider", "create × look-alike made by hand meanwhile × once"):
        hand = make_by_hand(emu, app, grant(), resource.raw["name"], resource.raw["tags"])
        before = live_config(emu, hand)
        resource.create(make_provider())
        assert resource.id != hand
        assert live_config(emu, hand) == before
        assert_converged(emu, make_provider(), resource)


def test_read_shows_out_of_band_changes_and_up_repairs_them(emu, make_provider, grant, ours):
    resource = ours
    with LEDGER.fault("provider", "read × out-of-band change × once"):
        edit_by_hand(emu, resource.id)
        resource.refresh(make_provider())
        assert resource.outs["name"] == "Renamed by hand"
        assert resource.outs["callback_url"] == "https://hooks.example.com/by-hand"
        assert "added-by-hand" in resource.outs["tags"]
        resource.up(make_provider())
        assert_converged(emu, make_provider(), resource)


def test_update_over_a_concurrent_out_of_band_change(emu, make_provider, grant, ours):
    """The state is stale: someone edited the instance after the last refresh."""
    resource = ours
    resource.check(make_provider(), {**resource.raw, "poll_interval_minutes": 45})
    with LEDGER.fault("provider", "update × concurrent out-of-band change × once"):
        edit_by_hand(emu, resource.id)
        resource.up(make_provider())
        live = live_config(emu, resource.id)
        assert live["configuration"]["event.poller.refresh_interval"] == "45"
        resource.up(make_provider())  # the next run repairs what the hand changed
        assert_converged(emu, make_provider(), resource)


def test_delete_of_an_instance_deleted_meanwhile(emu, make_provider, grant, ours):
    resource = ours
    instance_id = resource.id
    with LEDGER.fault("provider", "delete × deleted out of band meanwhile × once"):
        assert emu.api("DELETE", f"/instances/{instance_id}").status_code == 200
        resource.destroy(make_provider())  # 404: the goal holds
        assert_gone(emu, resource.raw, instance_id)
