"""Exports: a page's or a campaign's whole chain, streamed, safe to open in a spreadsheet."""

import csv
import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync

from likewatch.exports import safe_cell
from likewatch.sources.base import Count
from likewatch.tracking import chain
from likewatch.tracking.history import Entry, record_batch, record_count
from likewatch.tracking.models import FetchFailure, Observation, Provenance
from tests.sharing_data import (
    HOSTILE,
    INWI,
    MEDITEL,
    START,
    TELECOM,
    campaign,
    morocco,
    page,
    record_hourly,
)

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.streaming, "exports are streamed"
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Maroc Telecom", "Maroc Telecom"),
        (-60412, -60412),
        (3.5, 3.5),
        (None, ""),
    ],
)
def test_cells_that_would_run_as_formulas_get_an_apostrophe_numbers_stay_numbers(value, cell):
    assert safe_cell(value) == cell


def test_a_page_csv_holds_every_span_and_failure_in_seq_order(client):
    morocco()
    response = client.get(f"/export/p/{MEDITEL}.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="likewatch-page-{MEDITEL}.csv"'
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert [(r["record"], r["seq"]) for r in rows] == [
        ("observation", "1"),
        ("observation", "2"),
        ("observation", "3"),
        ("observation", "4"),
        ("observation", "5"),
        ("failure", "6"),
    ]
    first = rows[0]
    assert (first["value"], first["fetches"], first["last_seen"]) == (
        "900000",
        "2",
        "2016-03-12T13:00:00.000000Z",
    )
    assert rows[2]["value"] == ""  # the hidden count
    assert rows[5]["kind"] == "transient" and rows[5]["message"] == "timeout"
    assert rows[1]["prev_hash"] == rows[0]["hash"] != ""


def test_the_exported_hashes_rebuild_the_chain(client):
    morocco()
    document = json.loads(body(client.get(f"/export/p/{MEDITEL}.json")))
    records = document["pages"][0]["records"]
    previous = chain.GENESIS
    for record in records:
        assert record["prev_hash"] == previous
        previous = record["hash"]
    stored = Observation.objects.get(page_id=MEDITEL, seq=1)
    assert records[0]["hash"] == chain.observation_hash(stored)
    assert records[-1]["hash"] == FetchFailure.objects.get(page_id=MEDITEL, seq=6).hash


def test_each_span_says_when_its_last_answer_was_produced_empty_when_unknown(client):
    """The date that tells a quiet page from a stale count (likewatch.events.quiet), so a
    researcher can check each verdict: the answer of the span's last fetch, by its own HTTP
    dates; empty (JSON null) for an undated answer and for imported counts."""
    p = page("444", "Dated")
    cached = START - timedelta(hours=5)  # a cache that stopped before the span began
    record_batch([Entry(p, Count(10_000), START, produced_at=START)])
    record_batch([Entry(p, Count(10_000), START + timedelta(hours=1), produced_at=cached)])
    record_count(p, Count(10_200), START + timedelta(hours=2))  # an answer with no date
    record_count(p, Count(10_300), START + timedelta(hours=3), provenance=Provenance.IMPORTED)
    campaign(pages=[(p, "leave")])
    rows = list(csv.DictReader(io.StringIO(body(client.get(f"/export/p/{p.pk}.csv")))))
    assert [r["answer_produced_at"] for r in rows] == [chain.iso(cached), "", ""]
    records = json.loads(body(client.get(f"/export/p/{p.pk}.json")))["pages"][0]["records"]
    assert [r["answer_produced_at"] for r in records] == [chain.iso(cached), None, None]
    # Not hashed: the exported hash is the chain's, over what was measured.
    assert records[0]["hash"] == chain.observation_hash(Observation.objects.get(page=p, seq=1))


def test_a_campaign_export_holds_each_page_of_the_campaign(client):
    morocco()
    document = json.loads(body(client.get("/export/c/morocco-2016.json")))
    assert document["format"] == "likewatch-history-1"
    assert document["campaign"]["slug"] == "morocco-2016"
    assert document["campaign"]["directions"] == dict.fromkeys(
        map(str, (TELECOM, INWI, MEDITEL)), "leave"
    )
    assert [p["page_name"] for p in document["pages"]] == ["Maroc Telecom", "inwi", "Meditel"]
    assert [len(p["records"]) for p in document["pages"]] == [25, 25, 6]
    rows = list(csv.DictReader(io.StringIO(body(client.get("/export/c/morocco-2016.csv")))))
    assert len(rows) == 56


def test_hostile_names_are_defused_in_csv_and_kept_exact_in_json(client):
    p = page("9", '=HYPERLINK("http://evil.example","x")')
    record_hourly(p, [10, 9])
    campaign("hostile", HOSTILE, pages=[(p, "leave")])
    rows = list(csv.reader(io.StringIO(body(client.get("/export/c/hostile.csv")))))
    assert rows[1][4] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][7] == "10"
    document = json.loads(body(client.get("/export/c/hostile.json")))
    assert document["campaign"]["title"] == HOSTILE
    assert document["pages"][0]["page_name"] == '=HYPERLINK("http://evil.example","x")'


def test_unknown_formats_and_objects_are_404(client):
    morocco()
    campaign("secret", "Secret", public=False)
    assert client.get(f"/export/p/{TELECOM}.xlsx").status_code == 404
    assert client.get("/export/p/99.csv").status_code == 404
    assert client.get("/export/c/secret.csv").status_code == 404


def test_under_asgi_the_export_streams_through_an_async_iterator(async_client):
    """Django would buffer a synchronous iterator whole under ASGI (uvicorn)."""
    morocco()

    async def download():
        response = await async_client.get(f"/export/p/{TELECOM}.csv")
        assert response.is_async
        chunks = [chunk async for chunk in response.streaming_content]
        return chunks

    chunks = async_to_sync(download)()
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert len(rows) == 25
    assert rows[-1]["value"] == "3090000"
