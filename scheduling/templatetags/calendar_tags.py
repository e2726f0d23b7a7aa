"""Appointment markup the calendar pages repeat hundreds of times, built in Python: a template
include per appointment cost more than the rest of a week view."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from scheduling.models import Appointment

register = template.Library()


@register.filter
def status_badge(appointment: Appointment) -> SafeString:
    return format_html(
        '<span class="badge status-{}">{}</span>',
        appointment.status,
        appointment.get_status_display(),
    )


@register.filter
def appointment_chip(appointment: Appointment) -> SafeString:
    """Time, patient and kind, linking to the appointment; its status unless booked."""
    badge = "" if appointment.status == Appointment.Status.BOOKED else status_badge(appointment)
    return format_html(
        '<a class="d-block small text-decoration-none mb-1" href="{}"><strong>{}</strong> {} '
        '<span class="text-body-secondary">{}</span>{}</a>',
        reverse("schedule:appointment", args=[appointment.patient_id, appointment.pk]),
        timezone.localtime(appointment.starts_at).strftime("%H:%M"),
        appointment.patient.full_name,
        appointment.get_kind_display(),
        format_html(" {}", badge) if badge else "",
    )
