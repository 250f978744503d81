"""The OpenAPI document and the interactive docs, served without any other host."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_endpoint(client):
    document = client.get("/api/openapi.json").json()
    assert set(document["paths"]) == {
        "/api/campaigns",
        "/api/campaigns/{slug}",
        "/api/campaigns/{slug}/history",
        "/api/campaigns/{slug}/events",
        "/api/pages",
        "/api/pages/{page_id}",
        "/api/pages/{page_id}/current",
        "/api/pages/{page_id}/history",
        "/api/pages/{page_id}/events",
        # The transparency log's checkpoints (likewatch.evidence.checkpoints).
        "/api/checkpoints",
        "/api/checkpoints/latest",
        # The organisers' write API, behind an API token (likewatch.organisers.api).
        "/api/manage/campaigns",
        "/api/manage/campaigns/{slug}/pages",
        "/api/manage/campaigns/{slug}/annotations",
        "/api/manage/campaigns/{slug}/publish",
    }
    history = document["paths"]["/api/pages/{page_id}/history"]["get"]
    assert {p["name"] for p in history["parameters"]} == {"page_id", "start", "end", "resolution"}
    assert "400" in history["responses"] and "404" in history["responses"]


def test_the_docs_page_loads_its_assets_from_this_server_only(client):
    html = client.get("/api/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page references its script and style"
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not served locally"
    # Swagger UI would otherwise post the document to validator.swagger.io.
    assert '"validatorUrl": null' in html
