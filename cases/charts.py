"""Geometry of the server-rendered SVG charts (pure functions, no ORM, no JavaScript).

The templates draw the rectangles these functions compute; sizes are SVG user units, so the
charts scale with the page through ``viewBox``.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    key: str = ""
    #: A row chart's whole row (top and height), the target of the row's link.
    band_y: float = 0
    band_height: float = 0
    #: A column whose value, written above it at a phone's size, would run into a taller
    #: neighbour's: not written on a phone (app.css), its number being in the chart's table.
    crowded: bool = False
    #: The same at a wider screen's size (a district's weeks of thousands of visits).
    crowded_wide: bool = False


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    maximum: int
    baseline: float


def _scale(value: int, maximum: int, length: float) -> float:
    return round(length * value / maximum, 2) if maximum else 0.0


#: The size of a column chart's words on a phone and on a wider screen, in SVG units
#: (``.chart.columns text`` in app.css), and the width of a digit of its bold values, in that
#: size (Noto Sans, DejaVu Sans).
PHONE_FONT_SIZE = 30
WIDE_FONT_SIZE = 14
DIGIT_WIDTH = 0.65


def _crowded(bars: list[Bar], space: float, font_size: float) -> set[int]:
    """The indexes of the columns whose values, each written right-aligned above its column at
    ``font_size``, would overlap another's: the tallest are written first, then each other
    value where it fits."""
    taken: list[tuple[float, float]] = []
    crowded = set()
    for i in sorted(range(len(bars)), key=lambda i: (-bars[i].value, i)):
        bar = bars[i]
        if not bar.value:
            continue
        right = bar.x + bar.width
        left = right - len(str(bar.value)) * DIGIT_WIDTH * font_size - space
        if any(left < end and start < right for start, end in taken):
            crowded.add(i)
        else:
            taken.append((left, right))
    return crowded


def column_chart(
    points: list[tuple[str, int]], *, width: int = 640, height: int = 180, gap: float = 4
) -> BarChart:
    """Vertical columns, one per point, sharing the width; the tallest reaches the top."""
    maximum = max((value for _label, value in points), default=0)
    top, bottom = 36, 40  # room for the values above and the labels below
    plot = height - top - bottom
    step = width / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        h = _scale(value, maximum, plot)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(i * step + gap / 2, 2),
                y=round(top + plot - h, 2),
                width=round(step - gap, 2),
                height=h,
            )
        )
    phone = _crowded(bars, space=gap, font_size=PHONE_FONT_SIZE)
    wide = _crowded(bars, space=gap, font_size=WIDE_FONT_SIZE)
    bars = [replace(bar, crowded=i in phone, crowded_wide=i in wide) for i, bar in enumerate(bars)]
    return BarChart(width=width, height=height, bars=bars, maximum=maximum, baseline=top + plot)


def row_chart(
    rows: list[tuple[str, str, int]], *, width: int = 640, row_height: int = 30, label_width=130
) -> BarChart:
    """Horizontal bars (a funnel when the rows are pipeline steps), scaled to the longest.

    ``rows`` are (key, label, value); the key names the bar's CSS class and link, whose target
    is the whole row (``band_y``, ``band_height``), not only the bar and its words.
    """
    maximum = max((value for _key, _label, value in rows), default=0)
    plot = width - label_width - 60
    bars = [
        Bar(
            label=label,
            value=value,
            x=label_width,
            y=i * row_height + 4,
            width=_scale(value, maximum, plot),
            height=row_height - 8,
            key=key,
            band_y=i * row_height,
            band_height=row_height,
        )
        for i, (key, label, value) in enumerate(rows)
    ]
    return BarChart(
        width=width, height=len(rows) * row_height, bars=bars, maximum=maximum, baseline=0
    )
