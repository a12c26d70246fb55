"""bench/scale.png: wall time against N, so the scale curve is seen rather than read.

One panel per operation (create, refresh, destroy) and latency (0 ms, the scale
section's latency): the null provider (the engine's floor), this provider, and
the latency bound (floor + calls x latency / 4 workers), from the JSON's scale rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a CI machine

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import NullFormatter  # noqa: E402

OPERATIONS = ("create", "refresh", "destroy")


def render(data: dict[str, Any], path: Path) -> Path | None:
    """Draw the chart from `report.to_json`'s scale rows; None when there are none."""
    rows = [r for r in data["scale"] if r["operation"] in OPERATIONS]
    if not rows:
        return None
    latency = data["latency_ms"]
    sizes = sorted({r["size"] for r in rows})
    figure, axes = plt.subplots(
        2, len(OPERATIONS), figsize=(13, 7.5), sharex=True, squeeze=False, layout="constrained"
    )
    for column, operation in enumerate(OPERATIONS):
        mine = sorted((r for r in rows if r["operation"] == operation), key=lambda r: r["size"])
        if not mine:
            continue
        n = [r["size"] for r in mine]
        floor = [r["floor"] for r in mine]
        for row, at_latency in enumerate((False, True)):
            ax = axes[row][column]
            ax.plot(n, floor, "o-", color="tab:gray", label="null provider (engine floor)")
            if at_latency:
                ours = [r["wall"] for r in mine]
                bound = [r["latency_bound"] for r in mine]
                ax.plot(
                    n,
                    bound,
                    "--",
                    color="tab:green",
                    label="latency bound: floor + calls × latency / 4",
                )
                limits = [(r["size"], r["limit"]) for r in mine if r["limit"] is not None]
                if limits:
                    ax.plot(
                        *zip(*limits, strict=True),
                        ":",
                        color="tab:red",
                        label="issue 15 goal at latency",
                    )
            else:
                ours = [r["at_zero_latency"] for r in mine]
                goal = [1.2 * f for f in floor]
                ax.plot(n, goal, ":", color="tab:red", label="goal: 1.2 × null provider")
            ax.plot(n, ours, "s-", color="tab:blue", label="this provider")
            ax.set_xscale("log")
            ax.set_xticks(sizes, [str(s) for s in sizes])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_ylim(bottom=0)
            ax.grid(True, alpha=0.3)
            ax.set_title(f"{operation}, API at {latency if at_latency else 0} ms per call")
            if column == 0:
                ax.set_ylabel("wall time of the pulumi command (s)")
            if row == 1:
                ax.set_xlabel("N instances")
    # One legend for all panels, below them: inside, it would hide the lines.
    labels: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            labels.setdefault(label, handle)
    figure.legend(labels.values(), labels.keys(), loc="outside lower center", ncol=3)
    machine = data.get("machine", {})
    figure.suptitle(
        f"python -m bench, scale section: {machine.get('nproc', '?')} cores, "
        f"{machine.get('date', '')}, commit {machine.get('commit', '?')}",
        fontsize=10,
    )
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
