"""The audit log: who changed what, when; owners see their campaign's, staff see all."""

from likewatch.organisers import audit
from likewatch.organisers.models import AuditEntry

from .conftest import HOSTILE


def test_owners_read_their_campaign_log(as_owner, campaign, owner):
    audit.record(owner, "campaign.edit", "Changed target.", campaign=campaign)
    audit.record(owner, "token.create", "Created a token elsewhere.")
    body = as_owner.get("/manage/c/unlike/audit/").content.decode()
    assert "Changed target." in body and "olivia" in body
    assert "Created a token elsewhere." not in body


def test_staff_read_the_whole_log(as_staff, staff, campaign):
    audit.record(staff, "credential.add", "Saved a facebook token.")
    assert "Saved a facebook token." in as_staff.get("/manage/audit/").content.decode()


def test_the_log_survives_the_person_and_escapes_what_it_quotes(as_owner, campaign, owner, staff):
    audit.record(staff, "annotation.add", HOSTILE, campaign=campaign)
    staff.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor is None and entry.actor_name == "ops"
    body = as_owner.get("/manage/c/unlike/audit/").content.decode()
    assert "<script>alert" not in body and "ops" in body


def test_diff_lists_only_what_changed():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}


def test_the_admin_shows_no_secret(as_staff, staff):
    from likewatch.organisers.models import PlatformCredential

    staff.is_superuser = True
    staff.save()
    credential = PlatformCredential(platform="facebook")
    credential.token = "EAAGadmin" + "A" * 30 + "zq12"
    credential.save()
    for path in (
        "/admin/organisers/platformcredential/",
        f"/admin/organisers/platformcredential/{credential.pk}/change/",
    ):
        body = as_staff.get(path).content.decode()
        assert "EAAGadmin" not in body and credential.ciphertext not in body, path
