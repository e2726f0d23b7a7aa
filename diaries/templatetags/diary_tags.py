"""Template tags for the diary's own definitions, so templates never copy a number."""

from django import template

from diaries.metrics import LATE_AFTER_DAYS

register = template.Library()


@register.simple_tag
def late_after_days() -> int:
    """Days after which an entry counts as entered late (`diaries.metrics.ENTERED_LATE`)."""
    return LATE_AFTER_DAYS
