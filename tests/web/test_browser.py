"""The board in a real browser (Debian's chromium through Playwright), served by uvicorn as in
production. Screenshots go to test-artifacts/."""

import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from tests.browser.conftest import ARTEFACTS, BUILD, CHROMIUM, CHROMIUM_ARGS, while_serving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium at /usr/bin/chromium (make browser installs it)")
    if not BUILD.exists():
        pytest.skip("the front-end is not built (make frontend builds it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database work
    # is still plain synchronous code, so tell Django not to refuse it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def site(transactional_db, settings):
    """likewatch's ASGI application under uvicorn on a free port, in a thread."""
    settings.LIKEWATCH_LIVE_TICK = 0.1
    from likewatch.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            application, lifespan="off", log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 60 s"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


def open_board(browser, site, language="en"):
    page = browser.new_page(
        viewport={"width": 390, "height": 844},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/c/operators/")
    page.wait_for_selector("[data-chart] canvas")
    return page, errors


def flagged_gain(page, now, **fields):
    """A flagged burst on `page` ten minutes ago: +11,940 measured against −100 predicted, so
    +12,040 is what the board keeps apart from people."""
    from likewatch.events.models import Event, Kind

    return Event.objects.create(
        page=page,
        kind=Kind.GAIN,
        start=now - timedelta(minutes=30),
        end=now - timedelta(minutes=20),
        size=12_040,
        expected=-100,
        seen=11_940,
        confidence=0.99,
        **fields,
    )


def test_the_board_renders_with_data(browser, site, campaign):
    page, errors = open_board(browser, site)
    assert page.locator("h1").inner_text() == "Unlike the operators"
    assert page.locator("article.card").count() == 2
    assert page.locator("[data-page] [data-field='display.current']").all_inner_texts() == [
        "97,000",
        "50,500",
    ]
    assert page.locator("[data-compare] canvas").count() == 1
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / "board-en.png", full_page=True)
    assert errors == []
    page.close()


def test_a_new_value_arrives_live(browser, site, campaign, pages, now):
    page, errors = open_board(browser, site)
    page.wait_for_selector("[data-live-status]:not([hidden])")
    while_serving(record_count, pages[0], Count(91_234), now)
    current = page.locator(f"[data-page='{pages[0].pk}'] [data-field='display.current']")
    current.filter(has_text="91,234").wait_for(timeout=10_000)
    change = page.locator(f"[data-page='{pages[0].pk}'] [data-field='display.change']")
    assert change.inner_text() == "\u22128,766"
    assert page.locator("[data-total='display.moved']").inner_text() == "8,266"
    page.screenshot(path=ARTEFACTS / "board-live.png", full_page=True)
    assert errors == []
    page.close()


def test_a_flag_arriving_after_the_board_loaded_shows_its_row_apart_at_once(
    browser, site, campaign, pages, now
):
    from django.urls import reverse

    from likewatch.events import apart
    from likewatch.events.models import Status

    page, errors = open_board(browser, site)
    page.wait_for_selector("[data-live-status]:not([hidden])")
    card = page.locator(f"[data-page='{pages[0].pk}']")
    row = card.locator("[data-apart='gained']")
    assert row.is_hidden() and page.locator("#total [data-apart='gained']").is_hidden()
    # The detector flags a burst after the board was drawn and says so, as the scan does; no
    # new count is needed to show it (an hourly page would make readers wait an hour).
    event = while_serving(flagged_gain, pages[0], now)
    while_serving(apart.changed, [pages[0].pk])
    row.filter(has_text="+12,040").wait_for(state="visible", timeout=10_000)
    assert "not reviewed yet" in row.inner_text()
    assert row.locator("a").get_attribute("href") == reverse("events:detail", args=[event.pk])
    total = page.locator("#total [data-apart='gained']")
    assert total.is_visible() and "+12,040" in total.inner_text()
    # An organiser dismisses it: the move is people after all, and the row goes.
    while_serving(event.review, Status.DISMISSED, "A real news story.")
    row.wait_for(state="hidden", timeout=10_000)
    assert total.is_hidden()
    assert errors == []
    page.close()


def test_the_arabic_board_is_right_to_left(browser, site, campaign):
    page, errors = open_board(browser, site, "ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.facts dt')).direction") == "rtl"
    # An English title keeps its own direction inside the Arabic page (its full stop stays put).
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "ltr"
    heading = page.locator(".card h2").first.bounding_box()
    # Right to left: a card's title starts at its right edge.
    card = page.locator(".card").first.bounding_box()
    assert heading["x"] + heading["width"] > card["x"] + card["width"] - 30
    page.screenshot(path=ARTEFACTS / "board-ar.png", full_page=True)
    assert errors == []
    page.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_flagged_gains_sentence_names_the_figure_its_row_keeps_apart(
    browser, site, campaign, pages, now, language
):
    flagged_gain(pages[0], now, details={"steps": 1, "threshold": 9.0})
    page, errors = open_board(browser, site, language)
    row = page.locator(f"[data-page='{pages[0].pk}'] [data-apart='gained']")
    assert "+12,040" in row.inner_text()
    sentence = page.locator("#events").inner_text()
    assert "+11,940" in sentence  # what was measured...
    assert "+12,040" in sentence  # ...and the figure the board keeps apart, named in words
    if language == "ar":
        assert "الجزء الذي لا يفسّره سجلّها" in sentence
    page.screenshot(path=ARTEFACTS / f"board-flag-sentence-{language}.png", full_page=True)
    assert errors == []
    page.close()


# Each character of an element's text with the left edge of its box on screen.
CHARACTERS = """(el) => {
  const found = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width > 0) found.push([node.data[i], box.left]);
    }
  }
  return found;
}"""


def _signs_stay_left_of_their_digits(characters: list) -> bool:
    """In every signed number read on screen, the sign is just left of its first digit."""
    x = dict(enumerate(c[1] for c in characters))
    text = "".join(c[0] for c in characters)
    signs = [i for i, c in enumerate(text) if c in "+\u2212"]
    return bool(signs) and all(
        x[i] < x[next(j for j in range(i + 1, len(text)) if text[j].isdigit())] for i in signs
    )


def test_the_arabic_board_reads_the_effect_right_to_left_with_each_sign_on_its_number(
    browser, site, campaign, pages
):
    from likewatch.events.models import EffectEstimate

    for page, (effect, low, high) in zip(
        pages, [(-3_000, -3_400, -2_600), (-500, -700, -300)], strict=True
    ):
        data = {"observed": 0, "expected": 0, "effect": effect, "low": low, "high": high}
        EffectEstimate.objects.create(campaign=campaign, page=page, data=data)
    page, errors = open_board(browser, site, "ar")
    effect = page.locator("#total [data-total='effect.display.effect']")
    interval = page.locator("#total [data-total='effect.display.interval']")
    said = effect.element_handle().evaluate(CHARACTERS)
    text = "".join(c for c, _ in said)
    assert text.replace("\u2068", "").replace("\u2069", "") == "نحو +3,500"
    # "about" (نحو) is read first, at the right; the number follows to its left.
    word = max(x for c, x in said if c == "ن")
    assert word > max(x for c, x in said if c.isdigit())
    assert _signs_stay_left_of_their_digits(said)
    assert _signs_stay_left_of_their_digits(interval.element_handle().evaluate(CHARACTERS))
    page.screenshot(path=ARTEFACTS / "board-ar-effect.png", full_page=True)
    assert errors == []
    page.close()
