"""Embeds: a framable widget with no script, and the snippet that embeds it."""

import re

import pytest
from django.template import Context, Template

from tests.sharing_data import HOSTILE, TELECOM, campaign, morocco, page, record_hourly

pytestmark = pytest.mark.django_db


def test_the_campaign_widget_is_server_rendered_with_an_svg_sparkline(client):
    morocco()
    response = client.get("/embed/c/morocco-2016/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "\u2212107,200" in html
    assert "since March 12, 2016" in html
    assert re.search(r'<polyline points="[0-9., ]+"/>', html)
    assert "<script" not in html


def test_widgets_may_be_framed_anywhere_but_run_nothing(client):
    morocco()
    for path in ("/embed/c/morocco-2016/", f"/embed/p/{TELECOM}/"):
        response = client.get(path)
        assert "X-Frame-Options" not in response
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "style-src 'self'" in policy
        assert "script-src" not in policy and "unsafe-inline" not in policy
        assert policy.endswith("frame-ancestors *")
    assert client.get("/embed/c/morocco-2016/code/")["X-Frame-Options"] == "DENY"


def test_the_widget_is_right_to_left_in_arabic(client):
    p = page("4", "اتصالات المغرب")
    record_hourly(p, [100, 90])
    campaign("ar", "حملة", language="ar", pages=[(p, "leave")])
    html = client.get("/embed/c/ar/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    # The date (Latin digits) is isolated inside the Arabic words (likewatch.formatting.isolate).
    assert "منذ \u206812 مارس 2016\u2069" in html
    assert '<html lang="en" dir="ltr">' in client.get("/embed/c/ar/?lang=en").content.decode()


def test_hostile_names_are_escaped_and_stripped_of_bidi_overrides(client):
    p = page("9", HOSTILE)
    record_hourly(p, [10, 9])
    campaign("hostile", HOSTILE, pages=[(p, "leave")])
    for path in ("/embed/c/hostile/", f"/embed/p/{p.pk}/", "/embed/c/hostile/code/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "\u202e" not in html.split("<textarea")[0], path


def test_the_snippet_is_an_iframe_shown_escaped_for_copying(client):
    c = morocco()
    html = Template('{% include "sharing/embed_snippet.html" with object=campaign %}').render(
        Context({"campaign": c})
    )
    assert "&lt;iframe src=&quot;http://127.0.0.1:8000/embed/c/morocco-2016/?lang=en&quot;" in html
    assert "<textarea" in html and "readonly" in html


def test_the_snippet_escapes_a_hostile_title_twice(db):
    from likewatch.web.embeds import snippet

    c = campaign("hostile", '"><script>x</script>')
    code = snippet(c)
    assert 'title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in code
    rendered = Template("{{ code }}").render(Context({"code": code}))
    assert "<script>" not in rendered and "<iframe" not in rendered


def test_unknown_widgets_are_404(client):
    assert client.get("/embed/c/nope/").status_code == 404
    assert client.get("/embed/p/42/").status_code == 404
