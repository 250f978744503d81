"""The public site's addresses. Sharing, embeds, feeds and exports add theirs beside these."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from likewatch.web import feed_page, press, views

app_name = "web"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.board, name="board"),
    path("c/<slug:slug>/live/", views.board_live, name="board_live"),
    path("c/<slug:slug>/press/", press.press, name="press"),
    path("c/<slug:slug>/feed/", feed_page.feed_page, name="feed_page"),
    path("p/<int:pk>/", views.page_history, name="page"),
    path("methodology/", views.methodology, name="methodology"),
    # Language switching: POST to web:set_language (Django's set_language view). Without a
    # CSRF token: choosing a language grants nothing, and a form without a per-visitor token
    # lets every public page be shared from the micro-cache (likewatch.web.microcache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
