"""`likewatch events`: scan and list, for every page or one."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand

from .conftest import campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    # The test database is in memory: nothing for the command's "run init first" check to find.
    monkeypatch.setattr(LikewatchCommand, "check_database", lambda self: None)


def run(*args) -> str:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


def test_rescan_finds_and_lists_events_once(page, measure):
    changes = campaign(120)
    changes[100] -= 2000
    measure(page, changes)

    first = run("--rescan")
    again = run("--rescan", "--page", f"#{page.pk}")

    assert "Scanned 1 page(s): 1 new event(s), 0 updated, 0 withdrawn." in first
    assert "Scanned 1 page(s): 0 new event(s)" in again
    assert "Maroc Telecom" in again and "purge" in again


def test_an_unknown_page_is_one_sentence(page):
    with pytest.raises(CommandError, match="No tracked page matches 'nowhere'"):
        run("--page", "nowhere")
