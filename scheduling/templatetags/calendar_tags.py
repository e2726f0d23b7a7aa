"""Appointment markup the calendar pages repeat hundreds of times, built in Python: a template
include per appointment cost more than the rest of a week view."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from scheduling.models import Appointment

register = template.Library()

# How the appointment page draws each status-change button; which buttons it shows, and in what
# order, is the model's `Appointment.next_statuses`.
STATUS_BUTTON_CLASSES = {
    Appointment.Status.ARRIVED: "btn-outline-primary",
    Appointment.Status.COMPLETED: "btn-success",
    Appointment.Status.NO_SHOW: "btn-outline-danger",
    Appointment.Status.CANCELLED: "btn-outline-danger",
}


@register.filter
def status_badge(appointment: Appointment) -> SafeString:
    return format_html(
        '<span class="badge status-{}">{}</span>',
        appointment.status,
        appointment.get_status_display(),
    )


@register.filter
def status_button_class(status: str) -> str:
    return STATUS_BUTTON_CLASSES.get(status, "btn-outline-secondary")


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
