"""iCalendar (RFC 5545) files: a patient's own appointments, and clinicians' private feeds.

A clinician's feed carries no patient names: a calendar app on a phone is not the chart.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Alarm, Calendar, Event

from clinic.context_processors import clinic_details
from clinic.patient_language import in_language_of
from scheduling.models import Appointment, CalendarFeed

FEED_DAYS_BACK = 30
Status = Appointment.Status
# RFC 5545 STATUS of each appointment status (a calendar strikes a cancelled one out). One that
# has happened is no longer an expected, confirmed event: no STATUS, and its summary says so.
ICS_STATUS = {
    Status.BOOKED: "CONFIRMED",
    Status.ARRIVED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
    Status.NO_SHOW: "CANCELLED",
}
PAST_SUMMARY = {
    Status.COMPLETED: gettext_lazy("Attended"),
    Status.NO_SHOW: gettext_lazy("Did not attend"),
}


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(appointment: Appointment, summary: str, host: str) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    past = PAST_SUMMARY.get(appointment.status)
    event.add("summary", f"{past}: {summary}" if past else summary)
    if appointment.status in ICS_STATUS:
        event.add("status", ICS_STATUS[appointment.status])
    clinic = clinic_details()
    event.add("location", f"{clinic['name']}, {clinic['address']}")
    if appointment.status == Status.BOOKED:
        event.add_component(_day_before_alarm(summary))
    return event


def _day_before_alarm(summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Tomorrow: %(summary)s") % {"summary": summary})
    alarm.add("trigger", timedelta(days=-1))
    return alarm


def patient_calendar(patient, host: str) -> bytes:
    """Every appointment of the patient, cancelled ones marked as such, in their language."""
    with in_language_of(patient):
        calendar = _calendar(_("%(clinic)s: my appointments") % {"clinic": settings.CLINIC_NAME})
        for appointment in patient.appointments.select_related("clinician"):
            summary = _("%(kind)s with %(clinician)s") % {
                "kind": appointment.get_kind_display(),
                "clinician": appointment.clinician,
            }
            calendar.add_component(_event(appointment, summary, host))
        return calendar.to_ical()


def clinician_calendar(feed: CalendarFeed, host: str) -> bytes:
    """The clinician's live appointments from a month ago on: type only, never who."""
    since = timezone.now() - timezone.timedelta(days=FEED_DAYS_BACK)
    calendar = _calendar(f"{settings.CLINIC_NAME}: clinics of {feed.clinician}")
    appointments = Appointment.objects.live().filter(clinician=feed.clinician, starts_at__gte=since)
    for appointment in appointments:
        calendar.add_component(
            _event(appointment, f"{appointment.get_kind_display()} (patient)", host)
        )
    return calendar.to_ical()


def working_feeds():
    """Feeds whose clinician can still log in: deactivating an account stops its feed at
    once (the address then answers 404, like a revoked one)."""
    return CalendarFeed.objects.select_related("clinician").filter(clinician__is_active=True)


def feed_reset(clinician) -> CalendarFeed:
    """Give the clinician a new feed address; the old one stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(clinician=clinician)
    if not created:
        feed.token = CalendarFeed._meta.get_field("token").default()
        feed.created_at = timezone.now()
        feed.save()
    return feed
