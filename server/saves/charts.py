"""Geometry of the overview's charts; the templates draw it as inline SVG.

Everything is computed here, on the server, so the page needs no chart library
and no network beyond this server.
"""

import math
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    center: float
    day: date
    count: int
    label: str  # written under every fifth bar, counted back from today


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    total: int

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def slot_width(self) -> float:
        return round((self.plot_right - self.plot_left) / max(len(self.bars), 1), 1)


def nice_ceiling(value: int) -> int:
    """Return the smallest 1, 2 or 5 times a power of ten that is >= value."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    raise AssertionError("unreachable")


def bar_chart(
    counts: list[tuple[date, int]], *, width: int = 760, height: int = 220
) -> BarChart:
    """Lay out one bar per day, the y axis starting at zero."""
    plot_left, plot_top, plot_bottom = 48, 10, height - 26
    plot_right = width - 24  # room for the last day's label
    plot_height = plot_bottom - plot_top
    top = nice_ceiling(max((count for _, count in counts), default=0))
    slot = (plot_right - plot_left) / max(len(counts), 1)

    bars = []
    for index, (day, count) in enumerate(counts):
        bar_height = plot_height * count / top
        labelled = (len(counts) - 1 - index) % 5 == 0
        bars.append(
            Bar(
                x=round(plot_left + index * slot + slot * 0.1, 1),
                y=round(plot_bottom - bar_height, 1),
                width=round(slot * 0.8, 1),
                height=round(bar_height, 1),
                center=round(plot_left + (index + 0.5) * slot, 1),
                day=day,
                count=count,
                label=f"{day:%b} {day.day}" if labelled else "",
            )
        )
    ticks = [
        Tick(y=round(plot_bottom - plot_height * share, 1), value=round(top * share))
        for share in (0, 0.5, 1)
    ]
    return BarChart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bars=bars,
        ticks=ticks,
        total=sum(count for _, count in counts),
    )


def sparkline_points(counts: list[int], *, width: int = 150, height: int = 28) -> str:
    """Return SVG polyline points for counts, scaled to fill width and height."""
    if not counts:
        return ""
    top = max(max(counts), 1)
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{round(index * step, 1)},{round(height - 1 - (height - 2) * count / top, 1)}"
        for index, count in enumerate(counts)
    )
