"""In Debian's chromium: the API docs contact no other host; the embed renders without scripts.

Screenshots go to test-artifacts/ for a person to look at.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from tests.sharing_data import campaign, morocco, page, record_hourly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def seeded(transactional_db):
    """The data, written before the browser starts: Playwright's sync API runs an event loop
    in this thread, and Django refuses database calls from inside one."""
    made = morocco()
    operator = page("444", "اتصالات المغرب")
    record_hourly(operator, [3_000_000 - 2_000 * h for h in range(12)])
    campaign("ar", "حملة إلغاء الإعجاب", language="ar", pages=[(operator, "leave")])
    return made


@pytest.fixture
def browser(seeded):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_api_docs_load_everything_from_this_server(live_server, browser):
    page = browser.new_page()
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    page.get_by_text("/api/campaigns/{slug}/history", exact=True).click()
    page.wait_for_selector(".opblock-body", timeout=15_000)
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "api-docs.png"), full_page=False)
    own = urlsplit(live_server.url).netloc
    assert set(hosts) == {own}, f"requests to other hosts: {set(hosts) - {own}}"
    # Every read endpoint (GET) of the schema is drawn, beside the organisers' write API.
    schema = json.loads(urlopen(f"{live_server.url}/api/openapi.json", timeout=15).read())
    reads = sum("get" in operations for operations in schema["paths"].values())
    assert reads >= 9
    assert page.locator(".swagger-ui .opblock-get").count() == reads


def test_the_embed_renders_with_scripts_disabled(live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 200})
    page = context.new_page()
    page.goto(f"{live_server.url}/embed/c/morocco-2016/")
    assert page.locator(".n").inner_text() == "\u2212107,200"
    assert page.locator("svg polyline").count() == 1
    box = page.locator("svg").bounding_box()
    assert box["width"] > 200 and box["height"] > 20
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "embed-en.png"))
    page.goto(f"{live_server.url}/embed/c/ar/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    title = page.locator(".t").bounding_box()
    number = page.locator(".n").bounding_box()
    # Right to left: the line starts at the right edge.
    assert number["x"] + number["width"] > 300 and title["x"] + title["width"] > 300
    page.screenshot(path=str(ARTEFACTS / "embed-ar.png"))
    context.close()
