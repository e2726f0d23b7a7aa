"""Amending a written-up session: the injection date, and discarded units in the was/now table.

The clock stands at noon on Monday 23 Nov 2026 (`tests.clock`).
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.clock import NOON, TODAY
from tests.factories import AdverseEventFactory, InjectionSessionFactory, PatientFactory
from tests.treatments.session_forms import session_post
from treatments.models import SessionAmendment
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.fixture
def course(neurologist):
    """Cycle 1 on 25 Aug 2026 and cycle 2, signed, on 17 Nov 2026 (84 days later)."""
    preempt_protocol()
    patient = PatientFactory()
    first = InjectionSessionFactory(
        patient=patient, injector=neurologist, performed_on=TODAY - timedelta(days=90)
    )
    second = InjectionSessionFactory(
        patient=patient,
        injector=neurologist,
        performed_on=TODAY - timedelta(days=6),
        signed_by=neurologist,
        signed_at=NOON - timedelta(days=6),
    )
    return first, second


def amend(client, session, neurologist, **fields):
    url = reverse("treatments:session_edit", args=[session.patient_id, session.pk])
    data = session_post(session=session, injector=neurologist.pk, reason="Date misread.", **fields)
    return client.post(url, data)


def test_the_date_is_corrected_as_an_amendment(neurologist_client, neurologist, course):
    _, second = course
    response = amend(
        neurologist_client, second, neurologist, performed_on=TODAY - timedelta(days=4)
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.performed_on == TODAY - timedelta(days=4)
    amendment = SessionAmendment.objects.get()
    assert amendment.amended_by == neurologist and amendment.reason == "Date misread."
    assert amendment.changes["Injected on"] == ["17 Nov 2026", "19 Nov 2026"]
    assert amendment.changes["Injection time"] == ["not recorded", "10:00"]
    page = neurologist_client.get(response.url).content.decode()
    assert "<td>Injected on</td><td>17 Nov 2026</td><td>19 Nov 2026</td>" in page


def test_a_new_date_too_soon_after_the_last_session_needs_a_reason(
    neurologist_client, neurologist, course
):
    _, second = course
    day = TODAY - timedelta(days=30)  # 60 days after cycle 1
    response = amend(neurologist_client, second, neurologist, performed_on=day)
    assert "Only 60 days since the last session on 25 Aug 2026" in response.content.decode()
    second.refresh_from_db()
    assert second.performed_on == TODAY - timedelta(days=6)
    assert not SessionAmendment.objects.exists()
    amend(neurologist_client, second, neurologist, performed_on=day, early_reason="Travelling.")
    second.refresh_from_db()
    assert second.performed_on == day


def test_a_date_cannot_jump_over_the_next_session(neurologist_client, neurologist, course):
    first, _ = course
    response = amend(neurologist_client, first, neurologist, performed_on=TODAY - timedelta(days=2))
    assert "Cycle 2 on 17 Nov 2026 comes after this session" in response.content.decode()
    first.refresh_from_db()
    assert first.performed_on == TODAY - timedelta(days=90)


def test_a_later_date_cannot_make_the_next_session_early_without_a_reason(
    neurologist_client, neurologist, course
):
    first, _ = course
    response = amend(
        neurologist_client, first, neurologist, performed_on=TODAY - timedelta(days=80)
    )
    assert "Cycle 2 on 17 Nov 2026 would then be only 74 days after this session" in (
        response.content.decode()
    )


def test_a_date_after_a_side_effect_began_is_refused(neurologist_client, neurologist, course):
    _, second = course
    AdverseEventFactory(session=second, onset_on=TODAY - timedelta(days=5))
    response = amend(
        neurologist_client, second, neurologist, performed_on=TODAY - timedelta(days=4)
    )
    assert "started on 18 Nov 2026, before this date" in response.content.decode()


def test_the_table_shows_the_discarded_units(neurologist_client, neurologist, course):
    _, second = course
    amend(neurologist_client, second, neurologist, vials_used=2)
    changes = SessionAmendment.objects.get().changes
    assert changes["Units discarded"] == ["45 U", "245 U"]
    assert changes["Vials used"] == ["1", "2"]
