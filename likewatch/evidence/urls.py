from django.urls import path
from django.views.decorators.http import require_safe

from likewatch.evidence import views
from likewatch.evidence.feeds import CheckpointFeed

app_name = "evidence"
urlpatterns = [
    path("evidence/", views.index, name="index"),
    path("evidence/public-key", views.public_key, name="public_key"),
    path(".well-known/likewatch-key.pem", views.public_key, name="well_known_key"),
    path("evidence/digests/", views.digests, name="digests"),
    path("evidence/digests/<str:day>.json", views.digest_json, name="digest_json"),
    path("evidence/digests/<str:day>.sig", views.digest_signature, name="digest_signature"),
    path("evidence/raw/<int:page_id>/<int:seq>", views.raw_answer, name="raw"),
    path("evidence/checkpoints/", views.checkpoints_page, name="checkpoints"),
    path("evidence/checkpoints.json", views.checkpoints_json, name="checkpoints_json"),
    path("evidence/checkpoints.atom", require_safe(CheckpointFeed()), name="checkpoints_feed"),
    path("evidence/checkpoint", views.checkpoint_latest, name="checkpoint"),
    path("evidence/checkpoint/<int:size>", views.checkpoint_at, name="checkpoint_at"),
    path("evidence/log-key", views.log_key, name="log_key"),
    path("evidence/consistency", views.consistency, name="consistency"),
    path("proof/<int:page_id>/", views.proof_page, name="page_proof"),
    path("proof/<int:page_id>.json", views.proof_json, name="page_proof_json"),
    path("proof/<int:page_id>/bundle.zip", views.range_bundle, name="range_bundle"),
    path("proof/<int:page_id>/<int:seq>/", views.proof_page, name="proof"),
    path("proof/<int:page_id>/<int:seq>.json", views.proof_json, name="proof_json"),
    path("witness/add-checkpoint", views.witness_add_checkpoint, name="witness_add"),
    path("witness/<str:origin_hash>/checkpoint", views.witness_checkpoint, name="witness_latest"),
]
