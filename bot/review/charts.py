"""Figures drawn on the server as SVG (no chart library, no external site) and written as CSV.

SVG text goes through `xml.sax.saxutils.escape`: labels come from the data (reasons, tags, trainee names).
"""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape  # nosec B406 - escapes our own text into SVG; nothing is parsed

from bot.review.figures import Figure

WIDTH, HEIGHT, MARGIN = 640, 260, 40
COLOURS = ("#07c160", "#d93025", "#1a73e8", "#f9ab00", "#9334e6", "#12b5cb")  # one per rubric point


def to_csv(figure: Figure) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(figure.columns)
    writer.writerows(figure.rows)
    return buffer.getvalue()


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _frame(body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" class="chart">' + "".join(body) + "</svg>"
    )


def _bar(figure: Figure) -> str:
    values = [_number(row[-1]) for row in figure.rows]
    top = max(values, default=0) or 1
    slot = (WIDTH - 2 * MARGIN) / max(len(values), 1)
    body = [f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#999"/>']
    for index, (row, value) in enumerate(zip(figure.rows, values)):
        height = (HEIGHT - 2 * MARGIN) * value / top
        x = MARGIN + index * slot + slot * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - MARGIN - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(str(row[0]))}: {row[-1]}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - MARGIN + 14}" font-size="9" text-anchor="middle">'
            f"{escape(str(row[0]))[:12]}</text>"
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - MARGIN - height - 3:.1f}" font-size="9" '
            f'text-anchor="middle">{row[-1] if row[-1] is not None else "–"}</text>'
        )
    return _frame(body, figure.title)


def _line(figure: Figure) -> str:
    numeric = [i for i, name in enumerate(figure.columns) if name.endswith(("rate", "score"))]
    values = [_number(row[i]) for row in figure.rows for i in numeric]
    top = max(values, default=0) or 1
    count = len(figure.rows)
    step = (WIDTH - 2 * MARGIN) / max(count - 1, 1)
    body = [f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#999"/>']
    for colour, column in zip(COLOURS, numeric):
        points = " ".join(
            f"{MARGIN + i * step:.1f},{HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * _number(row[column]) / top:.1f}"
            for i, row in enumerate(figure.rows)
        )
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.append(
            f'<text x="{WIDTH - MARGIN}" y="{14 + 12 * numeric.index(column)}" font-size="10" fill="{colour}" '
            f'text-anchor="end">{escape(figure.columns[column])}</text>'
        )
    if figure.rows:
        for i in (0, count - 1):
            body.append(
                f'<text x="{MARGIN + i * step:.1f}" y="{HEIGHT - MARGIN + 14}" font-size="9" text-anchor="middle">'
                f"{escape(str(figure.rows[i][0]))}</text>"
            )
    return _frame(body, figure.title)


def to_svg(figure: Figure) -> str:
    return _line(figure) if figure.chart == "line" else _bar(figure)
