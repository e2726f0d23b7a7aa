import pytest
from django.core.management import call_command
from django.utils import timezone

from scheduling.calendar import ClinicCalendar, free_slots
from scheduling.models import Appointment
from scheduling.worklists import front_desk_worklists

pytestmark = pytest.mark.django_db


def test_seed_fills_the_calendar_once_with_overdue_patients_no_shows_and_a_full_day():
    call_command("seed_demo")
    count = Appointment.objects.count()
    call_command("seed_demo")
    assert Appointment.objects.count() == count > 30

    today = timezone.localdate()
    lists = front_desk_worklists(today)
    assert lists.overdue and lists.due_soon and lists.not_rebooked
    assert Appointment.objects.filter(status=Appointment.Status.NO_SHOW).count() == 3

    booked_days = {a.local_day for a in Appointment.objects.filter(status="booked")}
    calendar = ClinicCalendar(min(booked_days), max(booked_days))
    free_days = {slot.local_day for slot in free_slots(calendar)}
    assert any(day not in free_days and calendar.clinics_on(day) for day in booked_days)
