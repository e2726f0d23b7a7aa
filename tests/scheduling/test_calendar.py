from datetime import time, timedelta

import pytest

from scheduling.agenda import agenda
from scheduling.calendar import ClinicCalendar, free_slots
from scheduling.models import Appointment, ClinicianLeave, Closure
from scheduling.slots import next_injection_slots, patient_habit
from tests.factories import AppointmentFactory, ClinicianClinicFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuesday(neurologist):
    tuesday_clinic(neurologist)
    return tuesday_after()


def test_a_clinic_is_cut_into_slots_of_its_length(tuesday):
    slots = ClinicCalendar(tuesday, tuesday).slots_on(tuesday)
    assert [slot.starts_at for slot in slots][:2] == [at(tuesday, 9), at(tuesday, 9, 20)]
    assert len(slots) == 9  # 09:00 to 12:00 in 20 minutes
    assert slots[-1].ends_at == at(tuesday, 12)


def test_a_clinic_is_clipped_to_opening_hours(neurologist, tuesday):
    ClinicianClinicFactory(clinician=neurologist, weekday=2, starts_at=time(16), ends_at=time(20))
    wednesday = tuesday + timedelta(days=1)
    slots = ClinicCalendar(wednesday, wednesday).slots_on(wednesday)
    assert slots[-1].ends_at == at(wednesday, 18)


def test_no_slots_on_a_closure_or_on_leave(neurologist, tuesday):
    Closure.objects.create(starts_on=tuesday, ends_on=tuesday, reason="Bank holiday")
    ClinicianLeave.objects.create(
        clinician=neurologist, starts_on=tuesday + timedelta(days=7), ends_on=tuesday + timedelta(7)
    )
    calendar = ClinicCalendar(tuesday, tuesday + timedelta(days=14))
    assert calendar.slots_on(tuesday) == []
    assert calendar.slots_on(tuesday + timedelta(days=7)) == []
    assert len(calendar.slots_on(tuesday + timedelta(days=14))) == 9


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ((7, 0), (7, 20), "outside opening hours"),
        ((13, 0), (13, 20), "holds no clinic at that time"),
        ((11, 50), (12, 10), "holds no clinic at that time"),
    ],
)
def test_the_calendar_explains_why_a_time_cannot_be_booked(
    neurologist, tuesday, start, end, message
):
    problem = ClinicCalendar(tuesday, tuesday).problem_with(
        neurologist.pk, at(tuesday, *start), at(tuesday, *end)
    )
    assert message in problem


def test_the_calendar_refuses_closed_days_and_leave(neurologist, tuesday):
    Closure.objects.create(starts_on=tuesday, ends_on=tuesday, reason="Staff training")
    saturday = tuesday + timedelta(days=4)
    calendar = ClinicCalendar(tuesday, saturday)
    assert "closed" in calendar.problem_with(neurologist.pk, at(tuesday, 9), at(tuesday, 9, 20))
    assert "Staff training" in calendar.problem_with(
        neurologist.pk, at(tuesday, 9), at(tuesday, 9, 20)
    )
    assert "closed on Saturdays" in calendar.problem_with(
        neurologist.pk, at(saturday, 9), at(saturday, 9, 20)
    )


def test_free_slots_skip_booked_times_but_not_cancelled_ones(neurologist, patient, tuesday):
    AppointmentFactory(clinician=neurologist, starts_at=at(tuesday, 9))
    AppointmentFactory(
        clinician=neurologist,
        starts_at=at(tuesday, 9, 20),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="Unwell",
    )
    starts = [slot.starts_at for slot in free_slots(ClinicCalendar(tuesday, tuesday))]
    assert at(tuesday, 9) not in starts
    assert at(tuesday, 9, 20) in starts


def test_free_slots_skip_times_the_patient_is_busy_elsewhere(neurologist, patient, tuesday):
    AppointmentFactory(patient=patient, starts_at=at(tuesday, 10))  # with another clinician
    calendar = ClinicCalendar(tuesday, tuesday, [neurologist.pk])
    starts = [slot.starts_at for slot in free_slots(calendar, patient=patient)]
    assert at(tuesday, 10) not in starts
    assert at(tuesday, 10, 20) in starts


def test_free_slots_are_only_in_the_future(neurologist, tuesday):
    slots = free_slots(ClinicCalendar(tuesday, tuesday), now=at(tuesday, 10, 30))
    assert slots[0].starts_at == at(tuesday, 10, 40)


def test_the_agenda_shows_the_free_slots_after_the_now_it_is_given(neurologist, tuesday):
    _, rows = agenda(tuesday, tuesday, [neurologist], now=at(tuesday, 10, 30))
    assert rows[0].cells[0].free[0].starts_at == at(tuesday, 10, 40)


def test_the_next_injection_slots_start_after_the_now_they_are_given(patient, tuesday):
    plan = next_injection_slots(patient, due_on=None, now=at(tuesday, 10, 30))
    assert plan.first == tuesday
    assert plan.clinicians[0].options[0].slot.starts_at == at(tuesday, 10, 40)


def test_the_habit_is_the_last_injection_appointment_by_the_now_it_is_given(
    neurologist, patient, tuesday
):
    AppointmentFactory(patient=patient, clinician=neurologist, starts_at=at(tuesday, 9, 20))
    assert patient_habit(patient, now=at(tuesday, 9)).clinician_id is None
    habit = patient_habit(patient, now=at(tuesday, 10))
    assert (habit.clinician_id, habit.weekday, habit.minute_of_day) == (neurologist.pk, 1, 560)
