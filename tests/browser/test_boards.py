"""A board, its page histories and its print, feed and embed views, read in a real browser at
phone (360 px) and desktop (1280 px) widths, in Arabic, French and English, by a reader in
Paris: the numbers match the API, times say the reader's zone in text and on the axes, the
next milestone is the right one, the organisers' note is on the chart, nothing overflows.

Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from likewatch.organisers.models import Annotation
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Page
from tests.browser.conftest import ARTEFACTS, while_serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")
NOTE = "Maroc Telecom announced new prices"
LANGUAGES = ["ar", "fr", "en"]
WIDTHS = [360, 1280]


@pytest.fixture
def board(transactional_db):
    """Two big pages losing a few hundred people an hour for six hours, one failed fetch, one
    public note. 3,150,000 moving by hundreds is what clipped and repeated axis labels."""
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(hours=6)
    campaign = Campaign.objects.create(
        slug="operators",
        title="Unlike the operators",
        description="Leave the operators' pages.",
        starts_at=start,
        target=100_000,
        public=True,
    )
    telecom = Page.objects.create(
        platform="facebook",
        platform_id="111",
        metric="followers",
        name="Maroc Telecom",
        interval=1800,
        url="https://www.facebook.com/MarocTelecom/with/a/long/address/that/does/not/fit/a/phone",
    )
    inwi = Page.objects.create(
        platform="facebook", platform_id="222", metric="followers", name="inwi", interval=1800
    )
    CampaignPage.objects.create(campaign=campaign, page=telecom, direction="leave", position=0)
    CampaignPage.objects.create(campaign=campaign, page=inwi, direction="leave", position=1)
    source = "https://graph.facebook.com/v24.0/?ids=111&fields=followers_count,fan_count,name"
    for step in range(13):
        at = start - timedelta(minutes=5) + timedelta(minutes=30 * step)
        if step == 7:
            record_failure(telecom, Transient("connection reset"), at)
        else:
            record_count(telecom, Count(3_150_000 - 310 * step), at, source_url=source)
        record_count(inwi, Count(1_204_000 - 190 * step), at)
    Annotation.objects.create(campaign=campaign, at=start + timedelta(hours=3), text=NOTE)
    return campaign


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def assert_reads(text: str, value: int) -> None:
    """`text` is `value` as a reader sees it: its digits, and the one minus sign."""
    assert digits(text) == str(abs(value)), (text, value)
    assert ("\u2212" in text) == (value < 0), (text, value)
    assert "-" not in text, f"a hyphen for a minus sign in {text!r}"


def no_overflow(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def open_page(chromium, url: str, language: str, width: int):
    context = chromium.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        timezone_id="Europe/Paris",
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def paris_clock(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%H:%M")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_board_reads_right(chromium, asgi_site, board, language, width):
    page, errors = open_page(chromium, f"{asgi_site}/c/operators/", language, width)
    page.wait_for_selector("[data-chart] canvas")
    page.wait_for_selector("[data-chart][data-x-ticks]")
    api = page.request.get(f"{asgi_site}/api/campaigns/operators").json()

    # The numbers are the API's.
    assert_reads(page.locator("[data-total='display.moved']").inner_text(), api["total_moved"])
    assert_reads(page.locator("[data-total='display.change']").inner_text(), api["total_change"])
    for entry in api["pages"]:
        card = page.locator(f"[data-page='{entry['page']['id']}']")
        assert_reads(card.locator("[data-field='display.current']").inner_text(), entry["current"])
        assert_reads(card.locator("[data-field='display.change']").inner_text(), entry["change"])

    # The next milestone of the 1-2-5 series above what moved.
    moved = api["total_moved"]
    assert 5_000 < moved < 10_000
    assert_reads(page.locator("[data-total='milestone.goal_display']").inner_text(), 10_000)

    # Text and axes in the reader's zone, saying so.
    entry = api["pages"][1]
    measured = datetime.fromisoformat(entry["measured_at"].replace("Z", "+00:00"))
    card = page.locator(f"[data-page='{entry['page']['id']}']")
    shown = card.locator("time[data-measured]").inner_text()
    assert paris_clock(measured) in shown, shown
    assert re.search(r"CET|CEST|GMT\+[12]|UTC\+[12]|غرينتش", shown), shown
    assert "Europe/Paris" in page.locator("[data-zone-name]").first.inner_text()
    chart = card.locator("[data-chart]")
    ticks = [pair.split("=", 1) for pair in chart.get_attribute("data-x-ticks").split("|")]
    clocks = [(int(float(at)), label) for at, label in ticks if re.search(r"\d\d:\d\d", label)]
    assert clocks, ticks
    for at, label in clocks:
        assert paris_clock(datetime.fromtimestamp(at, UTC)) in label, (at, label)
    # The line under the chart says the value at the newest point, at the reader's time.
    readout = chart.locator("xpath=following-sibling::p[@class='readout']")
    assert paris_clock(measured) in readout.inner_text()
    assert_reads(readout.inner_text().split("·")[-1], entry["current"])

    # Value labels: distinct, and the axis as wide as its widest label.
    telecom = page.locator(f"[data-page='{api['pages'][0]['page']['id']}'] [data-chart]")
    labels = [p.split("=", 1)[1] for p in telecom.get_attribute("data-y-ticks").split("|")]
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    widest = page.evaluate(
        """(labels) => {
          const c = document.createElement('canvas').getContext('2d');
          c.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", '
            + '"Noto Sans Arabic", Arial, sans-serif';
          return Math.max(...labels.map((l) => c.measureText(l).width));
        }""",
        labels,
    )
    assert int(telecom.get_attribute("data-plot-left")) >= widest + 10, (labels, widest)

    # The organisers' note is on the chart, where it happened.
    flag = telecom.locator(".flag")
    assert flag.count() == 1
    assert flag.get_attribute("title") == NOTE
    box, plot = flag.bounding_box(), telecom.bounding_box()
    middle = box["x"] + box["width"] / 2
    assert plot["x"] + plot["width"] * 0.35 < middle < plot["x"] + plot["width"] * 0.75

    # Keyboard: the chart takes the focus and arrow keys walk its points.
    telecom.focus()
    readout = telecom.locator("xpath=following-sibling::p[@class='readout']")
    page.keyboard.press("Home")
    first = readout.inner_text()
    page.keyboard.press("ArrowRight")
    assert readout.inner_text() != first
    # ...and its numbers are there as a table.
    telecom.locator("xpath=following-sibling::details[1]/summary").click()
    rows = telecom.locator("xpath=following-sibling::details[1]//tbody/tr")
    rows.nth(9).wait_for(timeout=10_000)  # built when the reader opens it
    assert rows.count() >= 10

    # Names keep their own direction inside an Arabic page.
    assert page.locator("h1").get_attribute("dir") == "auto"
    assert page.locator(".card h2 a").first.get_attribute("dir") == "auto"

    no_overflow(page)
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"board-{language}-{width}.png", full_page=True)
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_the_screen(chromium, asgi_site, board, language, width):
    telecom = board.entries.order_by("position").first().page
    addresses = {
        "history": f"/p/{telecom.pk}/",
        "press": "/c/operators/press/",
        "feed": "/c/operators/feed/",
        "index": "/",
        "methodology": "/methodology/",
        "embed-code": "/embed/c/operators/code/",
    }
    page, errors = open_page(chromium, f"{asgi_site}/", language, width)
    for name, path in addresses.items():
        page.goto(f"{asgi_site}{path}")
        page.wait_for_load_state("load")
        no_overflow(page)
        if name == "embed-code":
            # The widget itself, in its frame (loaded lazily, once on screen).
            page.frame_locator("iframe").locator(".n").wait_for(timeout=10_000)
        if name == "history":
            page.wait_for_selector("[data-chart] canvas")
            # Dates say their zone and are never 12/01/2026.
            first_seen = page.locator("table.records time").first.inner_text()
            assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}", first_seen), first_seen
            assert re.search(r"CET|CEST|GMT\+[12]|UTC\+[12]|غرينتش", first_seen), first_seen
            assert page.locator("[data-chart] .flag").count() == 1
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height < 9000, f"the history page is {height} px tall"
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTEFACTS / f"{name}-{language}-{width}.png", full_page=True)
    assert errors == []
    page.context.close()


def test_the_press_view_prints_without_controls(chromium, asgi_site, board):
    page, errors = open_page(chromium, f"{asgi_site}/c/operators/press/", "en", 1280)
    assert page.locator("svg.trend polyline").count() == 1
    assert page.locator("svg.trend line").count() == 1  # the note
    assert NOTE in page.locator(".notes").inner_text()
    assert "operators/" in page.locator(".citation").inner_text()
    page.emulate_media(media="print")
    for selector in ["header.site nav", ".no-print"]:
        assert not page.locator(selector).first.is_visible(), selector
    page.goto(f"{asgi_site}/c/operators/")
    page.wait_for_selector("[data-chart] canvas")
    page.emulate_media(media="print")
    for selector in [".share", "header.site nav", ".switch", ".chart-table"]:
        assert not page.locator(selector).first.is_visible(), selector
    assert page.locator("[data-chart] canvas").first.is_visible()
    page.pdf(path=ARTEFACTS / "board-print.pdf")
    page.screenshot(path=ARTEFACTS / "board-print-en.png", full_page=True)
    assert errors == []
    page.context.close()


def test_the_dark_theme_follows_the_system(chromium, asgi_site, board):
    context = chromium.new_context(color_scheme="dark", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{asgi_site}/c/operators/")
    page.wait_for_selector("[data-chart] canvas")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    ink = page.evaluate("getComputedStyle(document.body).color")
    assert background != "rgba(0, 0, 0, 0)"
    luminance = [sum(int(n) for n in re.findall(r"\d+", c)[:3]) for c in (background, ink)]
    assert luminance[0] < luminance[1], (background, ink)
    page.screenshot(path=ARTEFACTS / "board-dark-360.png", full_page=True)
    context.close()


def test_the_embed_updates_itself_without_scripts(chromium, asgi_site, board):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 200}
    )
    page = context.new_page()
    page.goto(f"{asgi_site}/embed/c/operators/")
    refresh = page.locator("meta[http-equiv='refresh']").get_attribute("content")
    assert 30 <= int(refresh) <= 300
    before = page.locator(".n").inner_text()
    telecom = board.entries.order_by("position").first().page
    while_serving(record_count, telecom, Count(3_100_000), timezone.now())
    # The reload the page asks for brings the new number (asked here at once rather than in
    # 90 s; the server's micro-cache may serve its copy for a few seconds more).
    deadline = time.monotonic() + 30
    after = before
    while after == before and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
        after = page.locator(".n").inner_text()
    assert after != before, "the embed still shows the old number after 30 s"
    assert "\u2212" in after or "-" in after
    page.screenshot(path=ARTEFACTS / "embed-updated-en.png")
    context.close()


def test_relative_times_keep_up_with_the_clock(chromium, asgi_site, board):
    context = chromium.new_context(locale="en", timezone_id="Europe/Paris")
    page = context.new_page()
    page.clock.install()
    page.goto(f"{asgi_site}/c/operators/")
    page.wait_for_selector("[data-chart] canvas")
    ago = page.locator(".card .ago").first
    before = ago.inner_text()
    assert "minute" in before, before
    page.clock.run_for("02:00:00")
    page.wait_for_function(
        "(before) => document.querySelector('.card .ago').textContent !== before", arg=before
    )
    assert "hour" in ago.inner_text()
    context.close()


def test_a_live_update_keeps_the_readers_zone_and_the_counts_mode_reads(chromium, asgi_site, board):
    page, errors = open_page(chromium, f"{asgi_site}/c/operators/", "fr", 360)
    page.wait_for_selector("[data-live-status]:not([hidden])")
    inwi = board.entries.order_by("position").last().page
    at = timezone.now().replace(microsecond=0)
    while_serving(record_count, inwi, Count(1_201_000), at)
    card = page.locator(f"[data-page='{inwi.pk}']")
    card.locator("[data-field='display.current']").filter(has_text="201").wait_for(timeout=15_000)
    card.locator("time[data-measured]").filter(has_text=paris_clock(at)).wait_for(timeout=5_000)
    assert re.search(r"UTC\+[12]", card.locator("time[data-measured]").inner_text())
    # The chart's line under it says the new value too.
    readout = card.locator("p.readout")
    assert_reads(readout.inner_text().split("·")[-1], 1_201_000)
    # Counts mode: one chart for pages of 3.1 and 1.2 million, labels still distinct.
    page.click("[data-mode=absolute]")
    compare = page.locator("[data-compare]")
    page.wait_for_function(
        "() => document.querySelector('[data-compare]').dataset.yTicks?.includes('M')"
    )
    labels = [p.split("=", 1)[1] for p in compare.get_attribute("data-y-ticks").split("|")]
    assert len(set(labels)) == len(labels) >= 2, labels
    no_overflow(page)
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_backfilled_history_reads_over_years(chromium, asgi_site, board, language):
    """Counts imported from an archive years before tracking began: the whole history's chart
    runs in time order from the first of them, its ticks name the years, none twice."""
    from likewatch.tracking.history import Entry, record_backfill
    from likewatch.tracking.models import Provenance

    inwi = Page.objects.get(name="inwi")
    first = datetime(2019, 3, 1, tzinfo=UTC)
    record_backfill(
        [
            Entry(
                inwi,
                Count(1_300_000 - 20_000 * n),
                first + timedelta(days=200 * n),
                provenance=Provenance.IMPORTED,
            )
            for n in range(5)
        ]
    )
    page, errors = open_page(chromium, f"{asgi_site}/p/{inwi.pk}/", language, 1280)
    chart = page.wait_for_selector("[data-chart][data-x-ticks]")
    ticks = [p.split("=", 1) for p in chart.get_attribute("data-x-ticks").split("|")]
    moments = [float(at) for at, _label in ticks]
    labels = [label for _at, label in ticks]
    assert moments[0] < datetime(2020, 1, 2, tzinfo=UTC).timestamp(), ticks
    assert len(set(labels)) == len(labels), labels
    assert any(re.search(r"20(2[0-5])|٢٠٢", label) for label in labels), labels
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"backfill-history-{language}-1280.png", full_page=True)
    assert errors == []
    page.context.close()
