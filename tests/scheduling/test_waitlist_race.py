"""Two patients accept the same offered slot at the same moment: the appointments' exclusion
constraint lets exactly one have it, against real PostgreSQL (separate connections)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from scheduling.models import Appointment, SlotOffer
from scheduling.waitlist import offer_accept, offer_slot, waitlist_add
from tests.factories import AppointmentFactory, InjectionSessionFactory, PatientFactory
from tests.races import race
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

State = SlotOffer.State


@pytest.mark.today(date(2026, 6, 1))
@pytest.mark.django_db(transaction=True)
def test_two_patients_accepting_at_once_get_one_appointment(neurologist, front_desk):
    tuesday_clinic(neurologist)
    today = timezone.localdate()
    slot_day = tuesday_after(today, 1)
    entries = []
    for n in range(2):
        patient = PatientFactory(given_name=f"Racer{n}")
        InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=100))
        AppointmentFactory(  # the later booking each wants to bring forward
            patient=patient, clinician=neurologist, starts_at=at(tuesday_after(today, 5), 9 + n)
        )
        entries.append(
            waitlist_add(patient=patient, kind="injection", by=front_desk, now=timezone.now())
        )
    starts = at(slot_day, 10)
    offers = offer_slot(
        clinician=neurologist,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=20),
        entry_ids=[entry.pk for entry in entries],
        by=front_desk,
        now=timezone.now(),
    )
    assert len(mail.outbox) == 2

    results = race(
        *[lambda offer=offer: offer_accept(offer, now=timezone.now()).state for offer in offers],
        expected=(),
    )

    assert sorted(results) == [State.ACCEPTED, State.GONE]
    booked = Appointment.objects.filter(starts_at=starts, status=Appointment.Status.BOOKED)
    assert booked.count() == 1
    winner = SlotOffer.objects.get(state=State.ACCEPTED)
    assert booked.get().patient_id == winner.patient_id
    loser = SlotOffer.objects.get(state=State.GONE)
    # the loser keeps their later booking; the winner's was moved
    assert loser.patient.appointments.get().status == Appointment.Status.BOOKED
    assert winner.patient.appointments.filter(status=Appointment.Status.CANCELLED).count() == 1
