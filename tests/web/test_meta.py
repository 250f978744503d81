"""sharing/meta.html: the Open Graph and Twitter card tags a shared link unfurls with."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from likewatch.tracking.models import Campaign
from tests.sharing_data import HOSTILE, TELECOM, campaign, morocco, page, record_hourly

pytestmark = pytest.mark.django_db


def render(obj, path="/c/x/") -> dict[str, str]:
    request = RequestFactory().get(path)
    html = Template('{% include "sharing/meta.html" with object=obj %}').render(
        Context({"obj": obj, "request": request})
    )
    return dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html))


def test_a_campaign_unfurls_with_its_card_and_headline():
    tags = render(morocco())
    assert tags["og:title"] == "Unlike the operators"
    assert tags["og:image"] == "http://127.0.0.1:8000/card/c/morocco-2016.png?lang=en"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:description"].startswith("\u2212107,200 since March 12, 2016. Measured")
    assert tags["og:url"] == "http://testserver/c/x/"
    html = Template('{% include "sharing/meta.html" with object=c %}').render(
        Context({"c": Campaign.objects.get(), "request": RequestFactory().get("/")})
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Unlike the operators" '
        'href="/feeds/c/morocco-2016.atom?lang=en">' in html
    )


def test_a_page_unfurls_with_its_own_card_in_the_current_language():
    morocco()
    from likewatch.tracking.models import Page

    with translation.override("fr"):
        tags = render(Page.objects.get(pk=TELECOM))
    assert tags["og:image"] == f"http://127.0.0.1:8000/card/p/{TELECOM}.png?lang=fr"
    assert tags["og:description"].startswith("\u221260\u202f000 depuis le 12 mars 2016")


def test_hostile_titles_are_escaped_in_attributes():
    p = page("9", HOSTILE)
    record_hourly(p, [10, 9])
    c = campaign("hostile", HOSTILE, pages=[(p, "leave")])
    request = RequestFactory().get("/")
    html = Template('{% include "sharing/meta.html" with object=c %}').render(
        Context({"c": c, "request": request})
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&quot;" in html
    assert "\u202e" not in html
