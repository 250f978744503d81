"""The public site's addresses. Sharing, embeds, feeds and exports add theirs beside these."""

from django.urls import include, path

from likewatch.web import views

app_name = "web"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.board, name="board"),
    path("c/<slug:slug>/live/", views.board_live, name="board_live"),
    path("p/<int:pk>/", views.page_history, name="page"),
    path("methodology/", views.methodology, name="methodology"),
    # Language switching: POST to web:set_language (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
]
