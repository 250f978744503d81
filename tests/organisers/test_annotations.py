"""Annotating moments of a campaign."""

from datetime import UTC, datetime

from likewatch.organisers.models import Annotation, AuditEntry

from .conftest import HOSTILE


def test_an_editor_annotates_a_moment(as_editor, campaign, editor):
    answer = as_editor.post(
        "/manage/c/unlike/annotations/",
        {"at": "2026-11-21T14:05", "text": "The operator announced new prices"},
    )
    assert answer.status_code == 302
    note = Annotation.objects.get()
    assert note.at == datetime(2026, 11, 21, 14, 5, tzinfo=UTC)
    assert note.author == editor and note.campaign == campaign
    assert AuditEntry.objects.get(action="annotation.add").changes == {"annotation": note.pk}


def test_an_annotation_needs_a_moment_and_words(as_editor):
    answer = as_editor.post("/manage/c/unlike/annotations/", {"at": "yesterday", "text": ""})
    assert answer.status_code == 200
    assert set(answer.context["form"].errors) == {"at", "text"}
    assert not Annotation.objects.exists()


def test_hostile_annotations_are_shown_as_text(as_editor, campaign):
    Annotation.objects.create(campaign=campaign, at=campaign.starts_at, text=HOSTILE)
    for path in ("/manage/c/unlike/annotations/", "/manage/c/unlike/"):
        body = as_editor.get(path).content.decode()
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body


def test_deleting_an_annotation_is_logged_with_its_text(as_editor, campaign):
    note = Annotation.objects.create(campaign=campaign, at=campaign.starts_at, text="typo")
    as_editor.post(f"/manage/c/unlike/annotations/{note.pk}/delete/")
    assert not Annotation.objects.exists()
    assert "typo" in AuditEntry.objects.get(action="annotation.delete").summary
