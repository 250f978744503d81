from django.shortcuts import render

from likewatch.tracking.models import Campaign


def index(request):
    campaigns = Campaign.objects.filter(public=True)
    return render(request, "web/index.html", {"campaigns": campaigns})
