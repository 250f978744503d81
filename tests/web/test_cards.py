"""Share cards: 1200x630 PNGs, drawn once per state of the data, right to left in Arabic."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import caches
from PIL import Image, ImageFont, features

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.web import card_fonts
from tests.sharing_data import HOSTILE, START, TELECOM, campaign, morocco, page, record_hourly

pytestmark = pytest.mark.django_db
PAPER = (250, 250, 247)
# Looked at by a person after a run (git-ignored).
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def empty_card_cache(settings, tmp_path):
    """Each test its own empty card cache: test processes share LIKEWATCH_VAR, so with two
    workers one test's cards (or its clear()) landed in another's count of cached cards."""
    cards = {**settings.CACHES["cards"], "LOCATION": str(tmp_path / "cards")}
    settings.CACHES = {**settings.CACHES, "cards": cards}
    yield
    caches["cards"].clear()


@pytest.fixture
def arabic(db):
    a = page("444", "اتصالات المغرب")
    record_hourly(a, [3_000_000 - 2_000 * h for h in range(12)])
    return campaign("ar", "حملة إلغاء الإعجاب", language="ar", pages=[(a, "leave")])


def image(response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def ink_columns(img: Image.Image, top: int, bottom: int) -> tuple[int, int]:
    """Leftmost and rightmost columns holding ink between two rows."""
    band = img.crop((0, top, img.width, bottom)).convert("RGB")
    columns = [
        x
        for x in range(band.width)
        if any(band.getpixel((x, y)) != PAPER for y in range(0, band.height, 2))
    ]
    return columns[0], columns[-1]


def test_a_campaign_card_is_a_1200_by_630_png(client):
    morocco()
    response = client.get("/card/c/morocco-2016.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert image(response).size == (1200, 630)
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_page_card_is_a_png_too(client):
    morocco()
    assert image(client.get(f"/card/p/{TELECOM}.png")).size == (1200, 630)


def test_a_card_is_drawn_once_then_served_from_the_cache(client):
    c = morocco()
    first = client.get("/card/c/morocco-2016.png")
    cached = [key for key in caches["cards"]._list_cache_files()]
    assert len(cached) == 1
    second = client.get("/card/c/morocco-2016.png")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert len(caches["cards"]._list_cache_files()) == 1
    # A new value (a new seq) makes a new card.
    record_count(c.pages.get(name="inwi"), Count(1), START + timedelta(days=1, hours=1))
    third = client.get("/card/c/morocco-2016.png")
    assert third["ETag"] != first["ETag"]


def test_if_none_match_answers_304(client):
    morocco()
    etag = client.get("/card/c/morocco-2016.png")["ETag"]
    assert (
        client.get("/card/c/morocco-2016.png", headers={"If-None-Match": etag}).status_code == 304
    )


def test_english_is_laid_out_from_the_left_and_arabic_from_the_right(client, arabic):
    morocco()
    en = image(client.get("/card/c/morocco-2016.png"))
    ar = image(client.get("/card/c/ar.png"))
    ARTEFACTS.mkdir(exist_ok=True)
    en.save(ARTEFACTS / "card-en.png")
    ar.save(ARTEFACTS / "card-ar.png")
    en_left, _ = ink_columns(en, 40, 110)
    _, ar_right = ink_columns(ar, 40, 110)
    assert 60 <= en_left <= 70
    assert 1125 <= ar_right <= 1140


def test_arabic_is_shaped_with_libraqm_and_an_installed_arabic_font():
    assert features.check("raqm"), "Pillow needs libraqm (make system) to shape Arabic"
    font = card_fonts.pick("اتصالات المغرب", 40)
    assert "Arabic" in font.path or "DejaVu" in font.path
    basic = ImageFont.truetype(font.path, 40, layout_engine=ImageFont.Layout.BASIC)
    # Shaping joins the letters: the laid-out word is not the sum of isolated glyphs.
    assert font.getlength("المغرب") != basic.getlength("المغرب")


def test_fonts_are_chosen_by_what_they_can_draw():
    assert card_fonts.pick("Maroc Telecom", 40).path.endswith("NotoSans-Regular.ttf")
    assert card_fonts.pick("اتصالات المغرب 2016", 40).path.endswith("NotoSansArabic-Regular.ttf")
    assert card_fonts.pick("Maroc Telecom اتصالات", 40, bold=True).path.endswith(
        "DejaVuSans-Bold.ttf"
    )


def test_the_language_comes_from_the_address_else_the_campaign(client, arabic):
    assert client.get("/card/c/ar.png")["Content-Language"] == "ar"
    assert client.get("/card/c/ar.png?lang=fr")["Content-Language"] == "fr"
    assert client.get("/card/c/ar.png?lang=xx")["Content-Language"] == "ar"


def test_hostile_names_are_drawn_as_text(client):
    p = page("9", HOSTILE)
    record_hourly(p, [10, 9])
    campaign("hostile", HOSTILE, pages=[(p, "leave")])
    assert image(client.get("/card/c/hostile.png")).size == (1200, 630)
    assert image(client.get(f"/card/p/{p.pk}.png")).size == (1200, 630)


def test_unknown_or_private_objects_are_404(client):
    campaign("secret", "Secret", public=False)
    assert client.get("/card/c/secret.png").status_code == 404
    assert client.get("/card/c/nope.png").status_code == 404
    assert client.get("/card/p/12345.png").status_code == 404
    assert client.get("/card/p/99999999999999999999.png").status_code == 404


def test_a_page_card_says_the_pages_own_effect_as_the_board_does(client):
    from likewatch.events.models import EffectEstimate
    from likewatch.web import board, headline

    c = morocco()
    telecom = c.pages.get(name="Maroc Telecom")
    data = {"observed": -60_000, "expected": -1_000, "effect": -59_000, "low": -61_500}
    EffectEstimate.objects.create(campaign=c, page=telecom, data={**data, "high": -56_400})
    shown = headline.for_page(telecom, c, "leave")
    assert "about +59,000 beyond its usual trend (+56,400 to +61,500)" in shown.detail
    entry = next(p for p in board.snapshot(c)["pages"] if p["id"] == telecom.pk)
    assert entry["effect"]["display"]["effect"] == "about +59,000"
    # Without an estimate for the page, nothing is said of its effect.
    inwi = c.pages.get(name="inwi")
    assert "beyond its usual trend" not in headline.for_page(inwi, c, "leave").detail


def test_a_refreshed_effect_estimate_redraws_the_card_without_a_new_count(client):
    from likewatch.events.models import EffectEstimate

    c = morocco()
    for p in c.pages.all():
        data = {"effect": -1_000, "low": -1_500, "high": -500}
        EffectEstimate.objects.create(campaign=c, page=p, data=data, computed_at=START)
    first = client.get("/card/c/morocco-2016.png")
    EffectEstimate.objects.filter(campaign=c).update(
        data={"effect": -9_000, "low": -9_500, "high": -8_500},
        computed_at=START + timedelta(minutes=15),
    )
    second = client.get("/card/c/morocco-2016.png")
    assert second["ETag"] != first["ETag"]
    assert second.content != first.content
