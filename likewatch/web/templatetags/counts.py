"""Template filters that format counts exactly as the live board does."""

from django import template

from likewatch.web import board

register = template.Library()


@register.filter
def count(value):
    """A count grouped in the active language: '3,149,900', '3 149 900', '3.149.900'."""
    return board.number(value)
