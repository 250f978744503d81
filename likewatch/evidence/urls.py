from django.urls import path

from likewatch.evidence import views

app_name = "evidence"
urlpatterns = [
    path("evidence/", views.index, name="index"),
    path("evidence/public-key", views.public_key, name="public_key"),
    path(".well-known/likewatch-key.pem", views.public_key, name="well_known_key"),
    path("evidence/digests/", views.digests, name="digests"),
    path("evidence/digests/<str:day>.json", views.digest_json, name="digest_json"),
    path("evidence/digests/<str:day>.sig", views.digest_signature, name="digest_signature"),
    path("evidence/raw/<int:page_id>/<int:seq>", views.raw_answer, name="raw"),
]
