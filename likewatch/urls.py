from django.contrib import admin
from django.urls import include, path

from likewatch.organisers.api import api as manage_api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("likewatch.organisers.account_urls")),
    path("manage/", include("likewatch.organisers.urls")),
    path("api/manage/", manage_api.urls),
    path("", include("likewatch.web.urls")),
]
