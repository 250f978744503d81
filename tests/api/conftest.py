import pytest

from tests.sharing_data import morocco


@pytest.fixture
def campaign(db):
    return morocco()


@pytest.fixture
def api_get(client):
    """GET an API address and return the response (JSON decoded as .data)."""

    def get(path, **headers):
        response = client.get(path, headers=headers)
        response.data = response.json() if response.status_code != 304 else None
        return response

    return get
