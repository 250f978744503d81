"""Any web page: the count a public page shows its visitors, picked by a CSS selector or a pattern.

Added as `web:URL SELECTOR` (a CSS selector: `web:https://example.org/ .counter`) or
`web:URL /PATTERN/` (a regular expression, its first group being the number), optionally
with a metric first (`web:members URL …`). Pages that draw their numbers with scripts are
added as `web+js:…` and read through headless Chromium (Playwright); the others are fetched
plainly with httpx.

Numbers are read the way people write them (see `numbers`): "1,234,567", "1 234 567",
"1.2M", "3,1 k", "١٢ مليون"… An abbreviated number keeps its precision. Every reading is
marked with provenance "scrape": lower confidence than a platform API, because a page's layout
can change under the selector.

This is also how likewatch reads Facebook pages when the organiser has no app approved for
Page Public Metadata Access: the `facebook` preset reads the likes and followers a public
page shows logged-out visitors in its description. A login wall is never read as a count.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup
from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.security import outbound
from likewatch.sources import http
from likewatch.sources.base import Count, PageRef, Reading, ReadResult
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    NotFound,
    SourceError,
    Transient,
)
from likewatch.sources.jsonapi import METRICS, page_id, split_line
from likewatch.sources.numbers import parse_count
from likewatch.sources.patterns import PatternError, compile_pattern

PREFIXES = {"web:": False, "web+js:": True}
NUMBER = r"(\d[\d.,'’\s\u00a0\u202f٬٫]*(?:\s?[KkMmBb]\b|\s?(?:mille|million|مليون|ألف))?)"
NUMBER_AR = r"([\d٠-٩][\d٠-٩.,\s\u00a0\u202f٬٫]*(?:\s?(?:[KkMm]|ألف|آلاف|مليون|ملايين))?)"
# What logged-out visitors of a Facebook page see in its description, in our three languages.
FACEBOOK_PATTERNS = {
    "likes": [
        NUMBER + r"\s*(?:people like this|likes?\b)",
        NUMBER + r"\s*(?:mentions? J[’']aime|J[’']aime)",
        NUMBER_AR + r"\s*(?:تسجيل(?:ات)? إعجاب|إعجاب)",
    ],
    "followers": [
        NUMBER + r"\s*(?:people follow this|followers?\b)",
        NUMBER + r"\s*(?:abonnés|followers)",
        NUMBER_AR + r"\s*(?:متابِع|متابع|متابعين)",
    ],
}
FACEBOOK_ID = re.compile(r"fb://(?:page|profile)/(?:\?id=)?(\d{5,20})|\"pageID\":\"(\d{5,20})\"")
LOGIN_MARKS = ("/login", "/checkpoint", "login.php", "/accounts/login")
MAX_BODY = 2_000_000  # bytes of a page kept as evidence
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def looks_like_login_wall(html: str, final_url: str) -> bool:
    """True when the page asks visitors to log in instead of showing itself."""
    if any(mark in urlsplit(final_url).path for mark in LOGIN_MARKS):
        return True
    lowered = html.lower()
    return 'type="password"' in lowered and ("login" in lowered or "log in" in lowered)


def extract(html: str, options: dict) -> Count:
    """The count the options' selector or pattern picks out of `html`. Raises InvalidAnswer."""
    soup = BeautifulSoup(html, "html.parser")
    selector = options.get("selector")
    if selector:
        element = soup.select_one(selector)
        if element is None:
            raise InvalidAnswer(f"the selector {selector!r} matched nothing on the page")
        text = element.get("content") or element.get_text(" ", strip=True)
        return parse_count(str(text))
    pattern = options.get("pattern")
    if pattern:
        try:
            compiled = compile_pattern(pattern)
        except PatternError as exc:
            raise InvalidAnswer(f"the pattern cannot run on RE2: {exc}") from None
        for haystack in (soup.get_text(" ", strip=True), html):
            match = compiled.search(haystack)
            if match:
                return parse_count(match.group(1) if match.groups() else match.group(0))
        raise InvalidAnswer(f"the pattern {pattern!r} matched nothing on the page")
    raise InvalidAnswer("the page has neither a selector nor a pattern in its options")


def extract_facebook(html: str) -> dict[str, Count | SourceError]:
    """Likes and followers from a public Facebook page's description meta tags and text."""
    soup = BeautifulSoup(html, "html.parser")
    texts = [
        str(tag.get("content", ""))
        for tag in soup.find_all("meta")
        if tag.get("name") == "description" or tag.get("property") == "og:description"
    ]
    texts.append(soup.get_text(" ", strip=True))
    counts: dict[str, Count | SourceError] = {}
    for metric, patterns in FACEBOOK_PATTERNS.items():
        counts[metric] = InvalidAnswer(f"the page shows no {metric} count")
        found = next(
            (m for t in texts for p in patterns if (m := re.search(p, t, re.IGNORECASE))), None
        )
        if found:
            try:
                counts[metric] = parse_count(found.group(1))
            except InvalidAnswer as exc:
                counts[metric] = exc
    return counts


def facebook_id(html: str) -> str:
    """The numeric page id a Facebook page names in its app links, or ''."""
    match = FACEBOOK_ID.search(html)
    return (match.group(1) or match.group(2)) if match else ""


class WebPageSource(http.HTTPSource):
    platform = "web"
    batch_size = 1
    metrics = METRICS

    def __init__(self, config: dict | None = None, client=None) -> None:
        super().__init__(config, client or http.make_client(follow_redirects=True))

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        for prefix, scripts in PREFIXES.items():
            if text.lower().startswith(prefix):
                return self._ref(text[len(prefix) :], scripts)
        return None

    def _ref(self, rest: str, scripts: bool) -> PageRef | None:
        parsed = split_line(rest)
        if parsed is None:
            return None
        url, how, metric = parsed
        options: dict = {"url": url, "metric": metric, "scripts": scripts}
        if len(how) >= 2 and how.startswith("/") and how.endswith("/"):
            try:
                compile_pattern(how[1:-1])
            except PatternError:
                return None
            options["pattern"] = how[1:-1]
        else:
            try:
                soupsieve.compile(how)
            except Exception:  # soupsieve raises several kinds for a malformed selector
                return None
            options["selector"] = how
        return PageRef(self.platform, page_id(url, how), url, options)

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        reading = await self.read_page(ref.key, ref.options)
        problems = [c for c in reading.counts.values() if isinstance(c, SourceError)]
        if problems and len(problems) == len(reading.counts):
            raise problems[0]
        return reading

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        results: ReadResult = {}
        for key in keys:
            try:
                results[key] = await self.read_page(key, options or {})
            except (NotFound, InvalidAnswer, AuthError) as exc:
                results[key] = exc
        return results

    async def read_page(self, key: str, options: dict) -> Reading:
        """Fetch the page the options name and read its counts."""
        url = options.get("url")
        if not url:
            raise InvalidAnswer("the page has no URL in its options")
        answer = await (self._render(url, options) if options.get("scripts") else self._get(url))
        html = answer.body[:MAX_BODY].decode("utf-8", "replace")
        if options.get("preset") == "facebook":
            counts = extract_facebook(html)
            platform_id = facebook_id(html) or key
        else:
            metric = options.get("metric", "followers")
            try:
                counts = {metric: extract(html, options)}
            except InvalidAnswer as exc:
                counts = {metric: exc}
            platform_id = key
        if all(isinstance(c, SourceError) for c in counts.values()) and looks_like_login_wall(
            html, answer.final_url
        ):
            raise AuthError(
                f"{url} shows a login wall instead of the page",
                hint=_("The page is not public to logged-out visitors: likewatch cannot read it."),
                raw=answer.body[:MAX_BODY],
            )
        title = BeautifulSoup(html, "html.parser").title
        return Reading(
            platform_id=platform_id,
            counts=counts,
            fetched_at=timezone.now(),
            name=(title.get_text(strip=True) if title else "")[:255],
            url=url,
            provenance="scrape",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body[:MAX_BODY],
        )

    async def _get(self, url: str) -> http.Answer:
        answer = await self.fetch(url, {}, headers={"Accept": "text/html,*/*;q=0.5"})
        self._check_status(answer)
        return answer

    def _check_status(self, answer: http.Answer) -> None:
        if answer.status == 429 or (answer.status == 503 and "retry-after" in answer.headers):
            raise self.refusal(answer, f"HTTP {answer.status}: the site asked us to slow down")
        trouble = self.server_trouble(answer)
        if trouble:
            raise trouble
        if answer.status in (401, 403):
            raise AuthError(
                f"HTTP {answer.status}: the site refuses logged-out visitors",
                hint=_("The page is not public: likewatch can only read public pages."),
                raw=answer.body[:MAX_BODY],
            )
        if answer.status in (404, 410):
            raise NotFound(f"HTTP {answer.status}: the page does not exist", raw=None)
        if answer.status != 200:
            raise InvalidAnswer(f"HTTP {answer.status} from the site", raw=answer.body[:MAX_BODY])

    async def _render(self, url: str, options: dict) -> http.Answer:
        """The page as headless Chromium sees it once its scripts have run."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        started = time.monotonic()
        self.calls += 1
        try:
            await asyncio.to_thread(outbound.check_url, url)
        except outbound.Refused as exc:
            raise InvalidAnswer(str(exc)) from None
        try:
            async with async_playwright() as driver:
                browser = await driver.chromium.launch(
                    executable_path=self.config.get("chromium", "/usr/bin/chromium"),
                    args=CHROMIUM_ARGS,
                )
                try:
                    page = await browser.new_page(user_agent=http.USER_AGENT)
                    # Every request the page makes (scripts, frames, redirects) is checked by
                    # the outbound guard first; the browser resolves names itself afterwards,
                    # a short rebinding window docs/security.md describes.
                    await page.route("**/*", _guarded_route)
                    response = await page.goto(url, wait_until="networkidle", timeout=30_000)
                    if options.get("selector"):
                        # When it never appears, extract() says the selector matched nothing.
                        with contextlib.suppress(PlaywrightError):
                            await page.wait_for_selector(options["selector"], timeout=10_000)
                    html = await page.content()
                    status = response.status if response else 0
                    final_url = page.url
                finally:
                    await browser.close()
        except PlaywrightError as exc:
            raise Transient(f"the browser could not load {url}: {exc}".splitlines()[0]) from None
        answer = http.Answer(
            status=status,
            headers=http.httpx.Headers(),
            body=html.encode(),
            duration_ms=int((time.monotonic() - started) * 1000),
            url=url,
            final_url=final_url,
        )
        self._check_status(answer)
        return answer


async def _guarded_route(route) -> None:
    """Let the headless browser load only what the outbound guard allows."""
    url = route.request.url
    if url.split(":", 1)[0].lower() in ("data", "blob", "about"):
        await route.continue_()
        return
    try:
        await asyncio.to_thread(outbound.check_url, url)
    except outbound.Refused:
        await route.abort("blockedbyclient")
        return
    await route.continue_()
