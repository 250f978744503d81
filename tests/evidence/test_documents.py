"""Annotations and reviews are leaves of the log: each version, and a deletion."""

import json

import pytest

from likewatch.events.models import Event
from likewatch.evidence import audit, checkpoints, log
from likewatch.evidence.models import LogDocument
from likewatch.evidence.verify import Report
from likewatch.organisers.models import Annotation
from likewatch.tracking.models import Campaign, Page

from .conftest import T0, minutes

pytestmark = pytest.mark.django_db


def logged(kind):
    tree = log.Tree(log.state().size)
    return [json.loads(tree.record(d.leaf)) for d in LogDocument.objects.filter(kind=kind)]


def test_each_version_of_an_annotation_and_its_deletion_are_logged(signing_key):
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=T0)
    note = Annotation.objects.create(campaign=campaign, at=minutes(5), text="prices up")
    checkpoints.make(ask_witnesses=False)
    checkpoints.make(ask_witnesses=False)  # nothing changed: nothing appended
    note.text = "prices up 10%"
    note.save()
    checkpoints.make(ask_witnesses=False)
    note.delete()
    checkpoints.make(ask_witnesses=False)
    assert [(d.get("text", "deleted")) for d in logged("annotation")] == [
        "prices up",
        "prices up 10%",
        "deleted",
    ]


def test_a_review_is_logged_and_an_edited_logged_review_is_caught(signing_key):
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    event = Event.objects.create(
        page=page,
        kind="purge",
        start=minutes(0),
        end=minutes(5),
        size=500,
        expected=0,
        seen=500,
        confidence=0.99,
    )
    event.review("confirmed", "the platform announced a purge")
    checkpoints.make(ask_witnesses=False)
    (review,) = logged("review")
    assert (review["status"], review["note"]) == ("confirmed", "the platform announced a purge")
    LogDocument.objects.filter(kind="review").update(body=json.dumps({"type": "review"}))
    report = Report()
    audit.check_database(report)
    assert [p.what for p in report.problems] == ["changed"]
