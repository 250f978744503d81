from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("likewatch.organisers.account_urls")),
    path("manage/", include("likewatch.organisers.urls")),
    path("", include("likewatch.api.urls")),
    path("", include("likewatch.web.sharing_urls")),
    path("", include("likewatch.events.urls")),
    path("", include("likewatch.evidence.urls")),
    path("", include("likewatch.web.urls")),
]
