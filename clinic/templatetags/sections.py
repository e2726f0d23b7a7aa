"""`{% render_section section %}`: a contributed section's template, with its context added."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_section(context, section):
    with context.push(section.context):
        return context.template.engine.get_template(section.template).render(context)
