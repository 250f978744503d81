"""Two likewatch instances on loopback: one witnesses the other's log (C2SP tlog-witness).

The test process is the log; a second likewatch process, with its own database and its own
witness key, serves /witness/add-checkpoint on 127.0.0.1. The log gathers its cosignatures
over real HTTP, and the witness refuses the log once its history is rewritten.
"""

import socket
import subprocess
import time

import httpx
import pytest

from likewatch.evidence import checkpoints
from likewatch.evidence.models import Cosignature
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Page
from tests.processes import child_env, likewatch

from .conftest import minutes
from .test_tamper import rewrite_everything

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env, *args) -> str:
    done = likewatch(*args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    return out


@pytest.fixture
def witness_instance(tmp_path, signing_key):
    """The witnessing instance: its own SQLite database and key, serving on loopback."""
    port = free_port()
    env = child_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'witness.sqlite3'}",
        LIKEWATCH_VAR=str(tmp_path / "witness-var"),
        LIKEWATCH_WITNESS_KEY=str(tmp_path / "witness-var" / "witness-key.pem"),
        LIKEWATCH_WITNESS_NAME="witness.test/w1",
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    run(env, "migrate", "--noinput", "-v", "0")
    out = run(env, "witness", "init")
    vkey = next(w for w in out.split() if w.startswith("witness.test/w1+"))
    server = likewatch(
        "serve", "--port", str(port), "--no-collectstatic", env=env, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/evidence/", timeout=2)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the witness instance did not answer on {url} within 60 s")
            time.sleep(0.2)
    try:
        yield env, vkey, url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_one_instance_cosigns_the_other_and_refuses_a_rewritten_history(witness_instance, settings):
    env, witness_vkey, url = witness_instance
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    history.record_count(page, Count(1000), minutes(0))
    checkpoints.make(now=minutes(0), ask_witnesses=False)
    # The witness agrees to witness this log, by its published key.
    run(env, "witness", "trust", checkpoints.verifier().vkey)
    settings.LIKEWATCH_WITNESSES = [f"{witness_vkey} {url}/witness"]
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]  # the operator allows its witness

    for n, value in enumerate([990, 985, 970], start=1):
        history.record_count(page, Count(value), minutes(n))
        checkpoint, created = checkpoints.make(now=minutes(n))
        assert created
        cosignature = Cosignature.objects.get(checkpoint=checkpoint)
        assert cosignature.witness == "witness.test/w1"
        assert cosignature.line in checkpoints.full_note(checkpoint)
    honest = checkpoints.latest()
    # The witness serves what it cosigned, for monitors.
    import hashlib

    origin_hash = hashlib.sha256(checkpoints.origin().encode()).hexdigest()
    served = httpx.get(f"{url}/witness/{origin_hash}/checkpoint", timeout=10).text
    assert served.startswith(honest.note.split("\n\n")[0])

    # The operator edits a value, rebuilds the log and re-signs it: the witness refuses.
    rewritten = rewrite_everything(page, 2, 991)
    history.record_count(page, Count(960), minutes(9))
    rewritten, _ = checkpoints.make(now=minutes(9))
    assert not Cosignature.objects.filter(checkpoint=rewritten).exists()
    assert "REFUSED" in run(env, "witness", "status")
