"""`{% language_choices %}`: the languages the switcher offers, each named in itself."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """(code, name) from LANGUAGES, untranslated: "Español" reads "Español" in every language."""
    return settings.LANGUAGES
