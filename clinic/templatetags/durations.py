from datetime import timedelta

from django import template
from django.template.defaultfilters import pluralize

register = template.Library()


@register.filter
def duration(value: timedelta) -> str:
    """A timedelta as people say it: "1 hour", "1 hour 30 minutes", "45 minutes"."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{pluralize(hours)}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{pluralize(minutes)}")
    return " ".join(parts)
