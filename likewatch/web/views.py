from django.shortcuts import render
from django.views.decorators.http import require_safe

from likewatch.tracking.models import Campaign


@require_safe
def index(request):
    campaigns = Campaign.objects.filter(public=True)
    return render(request, "web/index.html", {"campaigns": campaigns})
