"""Arabic pages built on the server keep English names, numbers and dates in their place."""

import pytest

from tests.sharing_data import campaign, page, record_hourly

pytestmark = pytest.mark.django_db


def test_arabic_pages_isolate_english_names_inside_their_translated_labels(client):
    p = page("6", "Maroc Telecom")
    record_hourly(p, [10_000, 8_500])
    campaign("ar-board", "حملة", language="ar", target=None, pages=[(p, "leave")])
    client.cookies["django_language"] = "ar"
    html = client.get("/c/ar-board/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    # An attribute cannot hold <bdi>: the chart's label isolates the name with FSI…PDI.
    assert 'aria-label="تاريخ \u2068Maroc Telecom\u2069"' in html
    press = client.get("/c/ar-board/press/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "\u2068" in press and press.count("\u2068") == press.count("\u2069")
