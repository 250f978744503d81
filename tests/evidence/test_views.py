"""The public evidence: how to verify, the public key, the signed digests, raw answers."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from likewatch.evidence import digests, keys, raw
from likewatch.tracking.models import Campaign, CampaignPage

from .conftest import minutes

pytestmark = pytest.mark.django_db


def test_the_public_key_is_published_in_two_places(client, signing_key):
    pem = keys.public_pem()
    for url in ("/evidence/public-key", "/.well-known/likewatch-key.pem"):
        response = client.get(url)
        assert response.status_code == 200 and response.content == pem
        assert response["X-Key-Id"] == keys.key_id(keys.public_key())


def test_without_a_key_the_site_says_so(client, settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "none.pem"
    assert client.get("/evidence/public-key").status_code == 404
    assert "no signing key yet" in client.get("/evidence/").content.decode()


def _publish(*pages):
    campaign = Campaign.objects.create(slug="public", title="Public", starts_at=minutes(0))
    for page in pages:
        CampaignPage.objects.create(campaign=campaign, page=page)


def test_a_published_digest_verifies_with_the_published_key(client, history, signing_key):
    _publish(*history)
    digest, _ = digests.make(now=minutes(45))
    body = client.get("/evidence/digests/2016-02-26.json").content
    signature = client.get("/evidence/digests/2016-02-26.sig").content.decode().strip()
    public = load_pem_public_key(client.get("/evidence/public-key").content)

    public.verify(base64.b64decode(signature), body)  # raises if it does not verify
    assert body == digest.body.encode()


def test_the_digest_list_and_the_evidence_page(client, history, signing_key):
    _publish(*history)
    digests.make(now=minutes(45))
    listing = client.get("/evidence/digests/").content.decode()
    index = client.get("/evidence/").content.decode()

    assert 'href="/evidence/digests/2016-02-26.json"' in listing
    assert "How to verify a number" in index and "likewatch verify bundle.zip" in index
    assert keys.key_id(keys.public_key()) in index


def test_a_digest_naming_a_page_of_an_unpublished_campaign_is_not_published(
    client, history, signing_key
):
    telecom, meditel = history
    _publish(telecom)  # meditel is only in a campaign not published yet
    hidden = Campaign.objects.create(slug="h", title="H", starts_at=minutes(0), public=False)
    CampaignPage.objects.create(campaign=hidden, page=meditel)
    digests.make(now=minutes(45))

    for url in ("/evidence/digests/2016-02-26.json", "/evidence/digests/2016-02-26.sig"):
        assert client.get(url).status_code == 404
    assert "2016-02-26.json" not in client.get("/evidence/digests/").content.decode()
    assert "2016-02-26.json" not in client.get("/evidence/").content.decode()
    # Once its campaign is published, the page's id is public: so is the digest.
    Campaign.objects.filter(pk=hidden.pk).update(public=True)
    assert client.get("/evidence/digests/2016-02-26.json").status_code == 200


def test_unknown_days_are_not_found(client, signing_key):
    assert client.get("/evidence/digests/2016-02-30.json").status_code == 404
    assert client.get("/evidence/digests/2016-02-27.sig").status_code == 404


def test_a_kept_raw_answer_is_served_until_pruned(client, history):
    telecom, _ = history
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=minutes(0))
    CampaignPage.objects.create(campaign=campaign, page=telecom)
    response = client.get(f"/evidence/raw/{telecom.pk}/3")
    assert response.status_code == 200 and response.content == b'{"fan_count": 985}'
    assert response["X-Content-SHA256"] == raw.digest(response.content)
    raw.pack(force=True)
    assert client.get(f"/evidence/raw/{telecom.pk}/3").content == b'{"fan_count": 985}'

    raw.prune(days=0)
    assert client.get(f"/evidence/raw/{telecom.pk}/3").status_code == 404


def test_the_raw_answers_of_unpublished_pages_are_not_served(client, history):
    telecom, _ = history
    assert client.get(f"/evidence/raw/{telecom.pk}/3").status_code == 404


def test_the_methodology_explains_events_and_verification(client):
    body = client.get("/methodology/").content.decode()
    assert "Flagged events" in body and "extreme-value fit" in body
    assert "likewatch verify bundle.zip --key site-key.pem" in body


def test_a_public_pages_proof_offers_the_day_as_a_range_bundle_that_verifies(
    client, history, signing_key, tmp_path
):
    from likewatch.evidence import checkpoints
    from likewatch.evidence.verify import verify_bundle

    telecom, _ = history
    _publish(telecom)
    checkpoints.make(now=minutes(45), ask_witnesses=False)
    page = client.get(f"/proof/{telecom.pk}/3/").content.decode()
    link = f"/proof/{telecom.pk}/bundle.zip?from=2016-02-26T00%3A00%3A00%2B00%3A00&amp;to="
    assert link in page

    url = f"/proof/{telecom.pk}/bundle.zip?from=2016-02-26T22:08:00Z&to=2016-02-26T22:27:00Z"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    (tmp_path / "b.zip").write_bytes(response.content)
    report = verify_bundle(tmp_path / "b.zip")
    assert report.ok, report.problems
    assert report.records == 3  # seqs 2-4: 990 (minute 10), 985 (15-20), 970 (25)


def test_a_range_bundle_of_a_private_page_does_not_exist(client, history, signing_key):
    telecom, _ = history
    url = f"/proof/{telecom.pk}/bundle.zip?from=2016-02-26T22:00:00Z&to=2016-02-26T23:00:00Z"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday&to=2016-02-26T23:00:00Z", "ISO 8601 times with a zone (from)"),
        ("from=2016-02-26T22:00:00Z", "ISO 8601 times with a zone (to)"),
        ("from=2016-02-01T00:00:00Z&to=2016-02-26T00:00:00Z", "at most 7 days"),
        ("from=2016-02-26T23:00:00Z&to=2016-02-26T22:00:00Z", "before it starts"),
        ("from=2017-01-01T00:00:00Z&to=2017-01-02T00:00:00Z", "no public record falls"),
    ],
)
def test_a_bad_range_gets_a_clear_answer(client, history, signing_key, query, message):
    from likewatch.evidence import checkpoints

    telecom, _ = history
    _publish(telecom)
    checkpoints.make(now=minutes(45), ask_witnesses=False)
    response = client.get(f"/proof/{telecom.pk}/bundle.zip?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_web_builds_no_bundle_of_more_records_than_it_can_afford(
    client, history, signing_key, monkeypatch
):
    from likewatch.evidence import checkpoints, views

    telecom, _ = history
    _publish(telecom)
    checkpoints.make(now=minutes(45), ask_witnesses=False)
    monkeypatch.setattr(views, "WEB_RECORDS", 2)
    url = f"/proof/{telecom.pk}/bundle.zip?from=2016-02-26T22:08:00Z&to=2016-02-26T22:27:00Z"
    response = client.get(url)
    assert response.status_code == 400
    assert "3 records in that range, at most 2 here" in response.content.decode()
    # The proof page offers the hour of the number instead of its day.
    page = client.get(f"/proof/{telecom.pk}/3/").content.decode()
    assert "that hour" in page
    assert "from=2016-02-26T22%3A00%3A00%2B00%3A00&amp;to=2016-02-26T23%3A00%3A00" in page
