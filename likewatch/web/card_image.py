"""Drawing a share card: a 1200x630 PNG with the headline number, a sparkline and the time
it was measured, laid out right to left for Arabic.

User-provided strings (campaign titles, page names) are drawn as text, never interpreted, and
stripped of bidi control characters so a hostile name cannot reorder the rest of the card.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from likewatch.web import card_fonts
from likewatch.web.headline import Headline
from likewatch.web.sparkline import known
from likewatch.web.text import one_line as clean

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
INK = (24, 24, 27)
MUTED = (92, 96, 105)
PAPER = (250, 250, 247)
BAND = (24, 24, 27)
DOWN = (196, 30, 58)
UP = (21, 128, 61)
FILL_ALPHA = 40


def render(headline: Headline, values: Sequence[float | None], site: str) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    rtl = headline.rtl
    colour = _colour(headline)

    draw.rectangle((0, 0, WIDTH, 12), fill=colour)
    # Rows from the top (ascender lines); Arabic glyphs reach higher and lower than Latin, so
    # each row leaves room for Noto Sans Arabic's taller line.
    _line(draw, clean(headline.title), 46, 44, rtl, bold=True, fill=INK)
    # A signed number reads left to right in every language ("-60,412", never "60,412-").
    _line(draw, clean(headline.number), 132, 118, rtl, bold=True, fill=colour, ltr=True)
    _line(draw, clean(headline.since), 44, 286, rtl, fill=INK, user=False)
    _line(draw, clean(headline.detail), 30, 356, rtl, fill=MUTED, user=False)
    _sparkline(image, values, (MARGIN, 424, WIDTH - MARGIN, 528), colour)

    draw.rectangle((0, HEIGHT - 78, WIDTH, HEIGHT), fill=BAND)
    footer_y = HEIGHT - 58
    _line(draw, clean(headline.measured), 28, footer_y, rtl, fill=PAPER, user=False)
    _line(draw, clean(site), 28, footer_y, not rtl, fill=PAPER, bold=True, user=False)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _colour(headline: Headline) -> tuple[int, int, int]:
    if headline.change is None or headline.change == 0:
        return INK
    return DOWN if headline.change < 0 else UP


def _line(draw, text, size, top, rtl, *, fill, bold=False, user=True, ltr=False):
    """Draw one line aligned to the reading side, shrinking then eliding it to fit.

    UI strings take the page's direction; a user's string (a title, a name) gets its own
    direction from its first strong character, as a browser would with dir="auto".
    """
    if not text:
        return
    width = WIDTH - 2 * MARGIN
    direction = "ltr" if ltr else None if user else ("rtl" if rtl else "ltr")
    font = card_fonts.pick(text, size, bold)
    minimum = int(size * 0.6)
    while size > minimum and font.getlength(text, direction=direction) > width:
        size -= 2
        font = card_fonts.pick(text, size, bold)
    text = _elide(text, font, width, direction)
    x = WIDTH - MARGIN if rtl else MARGIN
    anchor = "ra" if rtl else "la"
    draw.text((x, top), text, font=font, fill=fill, anchor=anchor, direction=direction)


def _elide(text, font, width, direction) -> str:
    if font.getlength(text, direction=direction) <= width:
        return text
    while text and font.getlength(text + "…", direction=direction) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _sparkline(image: Image.Image, values, box, colour) -> None:
    data = known(values)
    if len(data) < 2:
        return
    left, top, right, bottom = box
    low, high = min(data), max(data)
    spread = (high - low) or 1
    step = (right - left) / (len(data) - 1)
    points = [
        (left + i * step, bottom - (bottom - top) * (v - low) / spread) for i, v in enumerate(data)
    ]
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(overlay)
    shade.polygon([(left, bottom), *points, (right, bottom)], fill=(*colour, FILL_ALPHA))
    image.paste(overlay, (0, 0), overlay)
    draw = ImageDraw.Draw(image)
    draw.line(points, fill=colour, width=5, joint="curve")
