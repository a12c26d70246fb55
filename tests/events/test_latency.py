"""Delivery latency, trigger to receiver: the median of 20 manual triggers, reported and bounded."""

from __future__ import annotations

import statistics
import time

from harness.emulator import start_emulator
from harness.receiver import start_receiver
from tests.emulator.emulator_support import create_instance, events_configuration

KEY = "latency-signature-key-77a0c3e1"
TRIGGERS = 20


def test_median_latency_from_trigger_to_receiver(capsys):
    with start_receiver([KEY]) as receiver, start_emulator() as emu:
        instance = create_instance(
            emu,
            config=events_configuration(
                receiver.url(), "invoices", {"event.notification.signature.key": KEY}
            ),
        )["id"]
        latencies = []
        for number in range(TRIGGERS):
            started = time.time()
            delivery_id = emu.send_event(instance, "invoices", "UPDATED", str(number))
            [got] = receiver.wait_for(lambda d, i=delivery_id: d["delivery_id"] == i)
            assert got["verified"]
            latencies.append((got["received_at"] - started) * 1000)
    median = statistics.median(latencies)
    with capsys.disabled():
        print(
            f"\n[events] trigger -> receiver latency over {TRIGGERS} triggers: "
            f"median {median:.1f} ms, min {min(latencies):.1f} ms, max {max(latencies):.1f} ms"
        )
    # Generous for a shared 2-core machine; a regression to seconds (e.g. a retry on the
    # first attempt, or a poll wait) fails.
    assert median < 500
