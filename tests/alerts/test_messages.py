"""The words of an alert: in an Arabic alert, English names and addresses keep their place."""

from datetime import UTC, datetime

import pytest

from likewatch.alerts import messages
from likewatch.alerts.models import Alert, Kind
from likewatch.tracking.models import Campaign

pytestmark = pytest.mark.django_db

FSI, PDI = "\u2068", "\u2069"


@pytest.fixture
def arabic():
    return Campaign.objects.create(
        slug="qatia",
        title="قاطعوا Maroc Telecom",
        starts_at=datetime(2026, 11, 1, tzinfo=UTC),
        language="ar",
    )


def alert(campaign, kind, **params):
    return Alert(campaign=campaign, kind=kind, key=f"{kind}-1", params=params)


def test_an_arabic_alert_body_isolates_the_page_name_the_numbers_and_the_link(arabic, settings):
    settings.SITE_URL = "https://likewatch.example"
    failing = alert(arabic, Kind.FAILING, page="MarocTelecom", error="not found")
    milestone = alert(arabic, Kind.MILESTONE, milestone=5000, moved=5120, passed=1)
    title, body = messages.digest(arabic, [failing, milestone])
    lines = body.splitlines()
    assert f"{FSI}MarocTelecom{PDI}" in lines[0]
    assert f"{FSI}5,000{PDI}" in lines[1] and f"{FSI}5,120{PDI}" in lines[1]
    assert lines[-1].endswith(f"{FSI}https://likewatch.example/c/qatia/{PDI}")
    assert f"{FSI}قاطعوا Maroc Telecom{PDI}" in title
    assert body.count(FSI) == body.count(PDI)


def test_an_english_alert_body_has_no_isolates_where_none_is_needed(arabic, settings):
    arabic.language = "en"
    failing = alert(arabic, Kind.FAILING, page="MarocTelecom", error="not found")
    _title, body = messages.digest(arabic, [failing])
    assert body.startswith("The page MarocTelecom cannot be read: not found")
    assert FSI not in body
