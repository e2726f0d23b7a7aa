from django import template

register = template.Library()


@register.filter
def dash(value):
    """A dash for a missing number; unlike `default`, 0 stays 0."""
    return "–" if value is None else value
