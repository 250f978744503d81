"""People and a campaign for the organisers' tests."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from likewatch.organisers.models import Membership, Role
from likewatch.tracking.models import Campaign

# Names, descriptions and notes come from platforms and people: these must show as text.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters live in the cache: no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(
        slug="unlike", title="Unlike the operator", starts_at=timezone.now(), language="fr"
    )


def _user(name, **extra):
    return get_user_model().objects.create_user(
        name, email=f"{name}@example.org", password=f"pw-{name}-2026", **extra
    )


@pytest.fixture
def owner(campaign):
    user = _user("olivia")
    Membership.objects.create(campaign=campaign, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def editor(campaign):
    user = _user("eddie")
    Membership.objects.create(campaign=campaign, user=user, role=Role.EDITOR)
    return user


@pytest.fixture
def staff(db):
    return _user("ops", is_staff=True)


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client
