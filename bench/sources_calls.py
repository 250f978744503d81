"""API calls per 1,000 page reads when tracking 1,000 pages of one platform.

Each platform's source reads 1,000 pages from a replay server on 127.0.0.1 that answers in
the platform's shapes (built from the fixtures in tests/fixtures), in batches of the
source's `batch_size` as the poller sends them. The figure is the number of HTTP requests the
server received, over real HTTP. Targets are the platforms' batch limits: 50 ids a call for
Facebook and YouTube, 100 for X, 25 for Bluesky; the others have no batch endpoint.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re

# Counts of requests: the same at every run.
REPEATS = 1

PAGES = 1000
IG_ME = "17841405309211844"


def run() -> list[tuple[str, object, str, str]]:
    """One row per platform: (figure, calls per 1,000 reads, unit, target)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "likewatch.settings")
    import django

    django.setup()
    from django.test import override_settings

    from tests.replay import ReplayServer

    rows = []
    # The replay server is on 127.0.0.1, which the outbound guard refuses unless the operator
    # allows it (as the demo does); without this every read would be refused, and counted.
    with override_settings(LIKEWATCH_OUTBOUND_ALLOW=["127.0.0.1"]):
        for name, make, keys, options, target in platforms():
            with ReplayServer() as server:
                install(server, name)
                source = make(server.base_url)
                good = asyncio.run(read_all(source, keys, options(server.base_url)))
                calls = len(server.requests)
            figure = f"{name}: API calls per 1,000 page reads ({good} of {PAGES} read)"
            rows.append((figure, round(calls * 1000 / PAGES), "calls", target))
    return rows


async def read_all(source, keys: list[str], options: list[dict]) -> int:
    """Read every key in the poller's batches; return how many reads produced a count."""
    from likewatch.sources.base import Count, Reading

    good = 0
    try:
        for start in range(0, len(keys), source.batch_size):
            batch = keys[start : start + source.batch_size]
            results = await source.read(batch, options[start])
            for result in results.values():
                if isinstance(result, Reading) and any(
                    isinstance(c, Count) for c in result.counts.values()
                ):
                    good += 1
    finally:
        await source.aclose()
    return good


def platforms():
    from likewatch.sources.bluesky import BlueskySource
    from likewatch.sources.facebook import FacebookSource
    from likewatch.sources.instagram import InstagramSource
    from likewatch.sources.jsonapi import JSONSource
    from likewatch.sources.mastodon import MastodonSource
    from likewatch.sources.telegram import TelegramSource
    from likewatch.sources.webpage import WebPageSource
    from likewatch.sources.x import XSource
    from likewatch.sources.youtube import YouTubeSource

    n = range(PAGES)

    def none(url):
        return [{}] * PAGES

    fb = {"api_version": "v24.0", "token": "bench", "fallback": "web"}
    return [
        (
            "facebook",
            lambda url: FacebookSource({**fb, "base_url": url, "web_url": url}),
            [str(110000000000000 + i) for i in n],
            none,
            "≈ 20",
        ),
        (
            "facebook, public-page fallback",
            lambda url: FacebookSource({**fb, "token": "", "base_url": url, "web_url": url}),
            [str(110000000000000 + i) for i in n],
            none,
            "1,000",
        ),
        (
            "instagram",
            lambda url: InstagramSource({"base_url": url, "token": "bench", "user_id": IG_ME}),
            [str(17841400000000000 + i) for i in n],
            lambda url: [{"username": f"account{i}"} for i in n],
            "1,000",
        ),
        (
            "youtube",
            lambda url: YouTubeSource({"base_url": url, "token": "bench"}),
            [f"UC{i:022d}" for i in n],
            none,
            "≈ 20",
        ),
        (
            "x",
            lambda url: XSource({"base_url": url, "token": "bench"}),
            [str(i + 1) for i in n],
            none,
            "10",
        ),
        (
            "telegram",
            lambda url: TelegramSource({"base_url": url, "token": "1:bench"}),
            [str(-1001000000000 - i) for i in n],
            none,
            "1,000",
        ),
        (
            "mastodon",
            lambda url: MastodonSource({"base_url": url, "tokens": {}}),
            [f"{i + 1}@instance{i % 7}.example" for i in n],
            none,
            "1,000",
        ),
        (
            "bluesky",
            lambda url: BlueskySource({"base_url": url}),
            [did(i) for i in n],
            none,
            "40",
        ),
        (
            "json endpoint",
            lambda url: JSONSource({}),
            [f"page {i}" for i in n],
            lambda url: (
                [{"url": f"{url}/petition.json", "expression": "data.attributes.signature_count"}]
                * PAGES
            ),
            "1,000",
        ),
        (
            "web page",
            lambda url: WebPageSource({}),
            [f"page {i}" for i in n],
            lambda url: [{"url": f"{url}/petition", "selector": "span.counter"}] * PAGES,
            "1,000",
        ),
    ]


def did(i: int) -> str:
    """A syntactically valid did:plc for page number i."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "did:plc:" + "".join(alphabet[(i >> (5 * k)) & 31] for k in range(24))


def install(server, name: str) -> None:
    """Route the platform's endpoints to answers built from its fixtures."""
    from tests.replay import Answer, load

    def respond(body, status=200, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return Answer(status, {"Content-Type": content_type}, data)

    def count(key: str) -> int:
        return 100_000 + sum(map(ord, key)) * 37

    if name.startswith("facebook"):
        page = load("facebook/pages_batch")["body"]["110380648982071"]

        def graph(request):
            ids = request.param("ids").split(",")
            return respond(
                {
                    i: {**page, "id": i, "fan_count": count(i), "followers_count": count(i) + 9}
                    for i in ids
                }
            )

        html = load("web/facebook_page")["body_text"]
        server.route("/v24.0/", graph)
        for i in range(PAGES):
            key = str(110000000000000 + i)
            server.route(
                f"/{key}",
                lambda r, key=key: respond(
                    html.replace("110380648982071", key).encode(), content_type="text/html"
                ),
            )
    elif name == "instagram":
        found = load("instagram/discovery")["body"]

        def discovery(request):
            username = re.search(r"username\((\w+)\)", request.param("fields")).group(1)
            n = int(username.removeprefix("account"))
            body = copy.deepcopy(found)
            body["business_discovery"].update(id=str(17841400000000000 + n), username=username)
            return respond(body)

        server.route(f"/v24.0/{IG_ME}", discovery)
    elif name == "youtube":
        item = load("youtube/channels_batch")["body"]["items"][0]

        def channels(request):
            ids = request.param("id").split(",")
            items = []
            for i in ids:
                entry = copy.deepcopy(item)
                entry["id"] = i
                entry["statistics"]["subscriberCount"] = str(count(i) // 1000 * 1000)
                items.append(entry)
            return respond({"kind": "youtube#channelListResponse", "items": items})

        server.route("/channels", channels)
    elif name == "x":
        user = load("x/users_batch")["body"]["data"][0]

        def users(request):
            ids = request.param("ids").split(",")
            data = [
                {
                    **user,
                    "id": i,
                    "username": f"user{i}",
                    "public_metrics": {"followers_count": count(i)},
                }
                for i in ids
            ]
            return respond({"data": data})

        server.route("/users", users)
    elif name == "telegram":
        server.route(
            "/bot1:bench/getChatMemberCount",
            lambda r: respond({"ok": True, "result": count(r.param("chat_id"))}),
        )
    elif name == "mastodon":
        account = load("mastodon/account_other")["body"]
        for i in range(PAGES):
            server.route(
                f"/api/v1/accounts/{i + 1}",
                lambda r, i=i: respond(
                    {**account, "id": str(i + 1), "followers_count": count(str(i))}
                ),
            )
    elif name == "bluesky":
        profile = load("bluesky/profile_one")["body"]

        def profiles(request):
            actors = request.query["actors"]
            return respond(
                {
                    "profiles": [
                        {
                            **profile,
                            "did": a,
                            "handle": f"{a[8:]}.bsky.social",
                            "followersCount": count(a),
                        }
                        for a in actors
                    ]
                }
            )

        server.route("/xrpc/app.bsky.actor.getProfiles", profiles)
    elif name == "json endpoint":
        body = load("json/petition")["body"]
        server.route("/petition.json", lambda r: respond(body))
    elif name == "web page":
        html = load("web/counter_fr")["body_text"]
        server.route("/petition", lambda r: respond(html.encode(), content_type="text/html"))
