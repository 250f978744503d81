"""Template filters that format numbers and times exactly as the live board does
(likewatch.formatting, the one home of that rule)."""

from django import template

from likewatch import formatting

register = template.Library()


@register.filter
def count(value):
    """A count grouped in the active language: '3,149,900', '3 149 900'."""
    return formatting.number(value)


@register.filter
def signed(value):
    """A change with its sign: '+1,234', '−1,234'."""
    return formatting.signed(value)


@register.filter
def moment(value):
    """A time with its zone: '15:43 UTC' today, '1 Dec 2026, 15:43 UTC' otherwise."""
    return formatting.moment(value)


@register.filter
def iso(value):
    """ISO 8601 in UTC, for <time datetime> and machine readers."""
    return formatting.iso(value)


@register.filter
def isolate(value):
    """A name, number or date inside a translated sentence, in a Unicode isolate when its
    direction may differ from the sentence's (likewatch.formatting.isolate). For attributes
    and {% blocktranslate %} values, where <bdi> cannot go."""
    return formatting.isolate(str(value)) if value is not None else ""
