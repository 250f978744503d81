"""`{% campaign_events campaign %}` (load likewatch_events): a campaign's events, for its board."""

from django import template

from likewatch.events.publish import for_campaign

register = template.Library()


@register.inclusion_tag("events/board_events.html")
def campaign_events(campaign, limit: int = 20):
    return {"events": for_campaign(campaign, limit), "campaign": campaign}
