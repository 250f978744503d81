from django.urls import path

from likewatch.events import views

app_name = "events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/platform/<int:pk>/", views.platform_event_detail, name="platform"),
]
