import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from scheduling.booking import (
    appointment_book,
    appointment_set_status,
    appointment_undo_status,
)
from scheduling.models import Appointment
from tests.factories import AppointmentFactory, PatientFactory
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

Status = Appointment.Status


@pytest.fixture
def tuesday(neurologist):
    tuesday_clinic(neurologist)
    return tuesday_after()


def book(patient, clinician, starts_at, by, **kwargs):
    return appointment_book(
        patient=patient,
        clinician=clinician,
        kind=kwargs.pop("kind", Appointment.Kind.INJECTION),
        starts_at=starts_at,
        minutes=kwargs.pop("minutes", 20),
        booked_by=by,
        **kwargs,
    )


@pytest.mark.django_db
class TestBooking:
    def test_books_a_free_slot(self, patient, neurologist, front_desk, tuesday):
        appointment, created = book(patient, neurologist, at(tuesday, 9), front_desk)
        assert created
        assert appointment.ends_at == at(tuesday, 9, 20)
        assert appointment.history.first().history_user == front_desk

    def test_the_same_booking_submitted_twice_is_booked_once(
        self, patient, neurologist, front_desk, tuesday
    ):
        first, _ = book(patient, neurologist, at(tuesday, 9), front_desk)
        again, created = book(patient, neurologist, at(tuesday, 9), front_desk)
        assert (again, created) == (first, False)
        assert Appointment.objects.count() == 1

    def test_a_taken_slot_is_refused(
        self, patient, other_patient, neurologist, front_desk, tuesday
    ):
        book(patient, neurologist, at(tuesday, 9), front_desk)
        with pytest.raises(ValidationError, match="That slot was just taken"):
            book(other_patient, neurologist, at(tuesday, 9, 10), front_desk)
        assert Appointment.objects.count() == 1

    def test_a_patient_cannot_be_in_two_places(self, patient, neurologist, front_desk, tuesday):
        AppointmentFactory(patient=patient, starts_at=at(tuesday, 9))
        with pytest.raises(ValidationError, match="already has an appointment"):
            book(patient, neurologist, at(tuesday, 9), front_desk)

    def test_a_cancelled_slot_can_be_booked_again(
        self, patient, other_patient, neurologist, front_desk, tuesday
    ):
        AppointmentFactory(
            clinician=neurologist,
            starts_at=at(tuesday, 9),
            status=Status.CANCELLED,
            cancellation_reason="Patient unwell",
        )
        _, created = book(other_patient, neurologist, at(tuesday, 9), front_desk)
        assert created

    @pytest.mark.parametrize(
        ("hour", "message"), [(7, "outside opening hours"), (14, "holds no clinic")]
    )
    def test_outside_the_clinic_is_refused(
        self, patient, neurologist, front_desk, tuesday, hour, message
    ):
        with pytest.raises(ValidationError, match=message):
            book(patient, neurologist, at(tuesday, hour), front_desk)
        assert not Appointment.objects.exists()

    def test_the_past_is_refused(self, patient, neurologist, front_desk, tuesday):
        with pytest.raises(ValidationError, match="in the future"):
            book(patient, neurologist, at(tuesday, 9), front_desk, now=at(tuesday, 10))

    def test_an_early_injection_needs_a_reason(self, patient, neurologist, front_desk, tuesday):
        due = tuesday + timedelta(days=3)
        with pytest.raises(ValidationError, match="Give a reason to book it early"):
            book(patient, neurologist, at(tuesday, 9), front_desk, due_on=due)
        appointment, _ = book(
            patient, neurologist, at(tuesday, 9), front_desk, due_on=due, early_reason="Holiday"
        )
        assert appointment.early_reason == "Holiday"

    def test_a_review_before_the_injection_due_date_needs_no_reason(
        self, patient, neurologist, front_desk, tuesday
    ):
        _, created = book(
            patient,
            neurologist,
            at(tuesday, 9),
            front_desk,
            kind=Appointment.Kind.REVIEW,
            due_on=tuesday + timedelta(days=3),
        )
        assert created


@pytest.mark.django_db
class TestStatus:
    def test_arrived_then_completed_keeps_who_and_when(self, neurologist, front_desk):
        appointment = AppointmentFactory(clinician=neurologist, starts_at=at(tuesday_after(), 9))
        now = appointment.starts_at
        appointment_set_status(appointment, status=Status.ARRIVED, by=front_desk, now=now)
        appointment_set_status(appointment, status=Status.COMPLETED, by=neurologist, now=now)
        statuses = [(h.status, h.history_user) for h in appointment.history.order_by("history_id")]
        assert statuses[1:] == [(Status.ARRIVED, front_desk), (Status.COMPLETED, neurologist)]

    def test_a_future_appointment_cannot_be_marked_did_not_attend(self, front_desk):
        appointment = AppointmentFactory()
        with pytest.raises(ValidationError, match="cannot be marked did not attend before"):
            appointment_set_status(appointment, status=Status.NO_SHOW, by=front_desk)

    def test_cancelling_needs_a_reason(self, front_desk):
        appointment = AppointmentFactory()
        with pytest.raises(ValidationError, match="reason for cancelling"):
            appointment_set_status(appointment, status=Status.CANCELLED, by=front_desk)
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_a_wrong_no_show_is_undone_and_the_history_keeps_it(self, front_desk):
        appointment = AppointmentFactory(starts_at=at(tuesday_after(), 9))
        appointment_set_status(
            appointment, status=Status.NO_SHOW, by=front_desk, now=appointment.ends_at
        )
        appointment_undo_status(appointment, by=front_desk)
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED
        assert Status.NO_SHOW in set(appointment.history.values_list("status", flat=True))

    def test_undoing_a_completion_goes_back_to_arrived(self, front_desk):
        appointment = AppointmentFactory(starts_at=at(tuesday_after(), 9))
        for status in (Status.ARRIVED, Status.COMPLETED):
            appointment_set_status(
                appointment, status=status, by=front_desk, now=appointment.ends_at
            )
        assert appointment_undo_status(appointment, by=front_desk).status == Status.ARRIVED

    def test_undoing_a_cancellation_refuses_if_the_slot_was_rebooked(self, front_desk):
        appointment = AppointmentFactory()
        appointment_set_status(appointment, status=Status.CANCELLED, by=front_desk, reason="Ill")
        AppointmentFactory(clinician=appointment.clinician, starts_at=appointment.starts_at)
        with pytest.raises(ValidationError, match="That slot was just taken"):
            appointment_undo_status(appointment, by=front_desk)

    def test_a_booked_appointment_has_nothing_to_undo(self, front_desk):
        with pytest.raises(ValidationError, match="nothing|no status change"):
            appointment_undo_status(AppointmentFactory(), by=front_desk)


def run_in_thread(target, results: list):
    """Run `target` on its own database connection and collect what it returns or raises."""

    def run():
        try:
            results.append(target())
        except ValidationError as error:
            results.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_desks_racing_for_one_slot_get_one_booking_and_one_clear_message(
    neurologist, front_desk
):
    """Desk A has inserted but not committed when desk B books: B's validation cannot see A's
    row, so only PostgreSQL's exclusion constraint stands between them and a double booking."""
    tuesday_clinic(neurologist)
    slot = at(tuesday_after(), 9)
    first, second = PatientFactory(), PatientFactory()
    inserted, results = threading.Event(), []

    def desk_a():
        with transaction.atomic():
            booked = book(first, neurologist, slot, front_desk)
            inserted.set()
            # B now validates (sees nothing) and blocks on the constraint until we commit.
            threading.Event().wait(0.5)
        return booked

    def desk_b():
        inserted.wait(5)
        return book(second, neurologist, slot, front_desk)

    threads = [run_in_thread(desk_a, results), run_in_thread(desk_b, results)]
    for thread in threads:
        thread.join(10)

    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 2 and len(errors) == 1
    assert errors[0].messages == [
        "That slot was just taken: someone booked it a moment ago. Choose another slot."
    ]
    assert list(Appointment.objects.values_list("patient", flat=True)) == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_many_desks_at_once_still_make_exactly_one_booking(neurologist, front_desk):
    tuesday_clinic(neurologist)
    slot = at(tuesday_after(), 9)
    patients = [PatientFactory() for _ in range(6)]
    start, results = threading.Barrier(len(patients)), []

    def desk(patient):
        def attempt():
            start.wait(5)
            return book(patient, neurologist, slot, front_desk)

        return attempt

    threads = [run_in_thread(desk(p), results) for p in patients]
    for thread in threads:
        thread.join(10)
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 6 and len(errors) == 5
    assert all("That slot was just taken" in e.messages[0] for e in errors)
    assert Appointment.objects.count() == 1
