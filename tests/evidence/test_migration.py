"""An existing database migrates into the log: every record a leaf, the old chain's heads kept."""

import json

import pytest
from django.apps import apps

from likewatch.evidence import audit, backfill, checkpoints, digests, leaves, log
from likewatch.evidence.models import LogDocument, LogState, LogTile, PageSalt
from likewatch.evidence.verify import Report, verify_database
from likewatch.tracking.models import Observation

from .conftest import minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def before_the_log(history, signing_key):
    """The history as a database made before the log had it: a digest, and no log."""
    digests.make(now=minutes(45))
    for model in (LogDocument, LogTile, LogState, PageSalt):
        model.objects.all().delete()
    return history


def test_every_record_becomes_a_leaf_and_the_old_chain_heads_are_logged(before_the_log):
    telecom, meditel = before_the_log
    size = backfill.run(apps)
    # telecom: 6 spans (5 sealed) and a failure = 12 leaves; meditel: 2 spans (1 sealed) = 3;
    # one legacy-chain leaf each.
    assert size == LogState.objects.get().size == 12 + 3 + 2
    heads = {
        d.object_id: json.loads(d.body) for d in LogDocument.objects.filter(kind="legacy-chain")
    }
    last_sealed = Observation.objects.get(page=telecom, seq=6)
    assert heads[telecom.pk]["seq"] == 6 and heads[telecom.pk]["hash"] == last_sealed.hash
    assert heads[telecom.pk]["page"] == PageSalt.objects.get(page=telecom).commitment
    tree = log.Tree(size, trust_tiles=False)
    assert tree.root() == log.root()[1]


def test_a_migrated_database_checks_out_and_keeps_its_old_digests_checkable(before_the_log):
    telecom, _ = before_the_log
    backfill.run(apps)
    checkpoints.make(ask_witnesses=False)
    report = verify_database()
    assert report.ok, report.problems
    assert report.digests == 1
    found = log.find_leaves(telecom.pk, 3, minutes(10))
    assert set(found) == {leaves.OPEN, leaves.SPAN}
    # A record edited after the migration is caught by the log too.
    Observation.objects.filter(page=telecom, seq=3).update(value=1)
    audited = Report()
    audit.check_database(audited)
    assert audited.problems and all(p.what == "changed" for p in audited.problems)


def test_the_backfill_runs_once(before_the_log):
    first = backfill.run(apps)
    assert backfill.run(apps) == 0
    assert LogState.objects.get().size == first
