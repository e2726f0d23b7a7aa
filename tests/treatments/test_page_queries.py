"""The chart and the session page do a fixed number of queries however long the course."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tests.factories import AdverseEventFactory, InjectionSessionFactory
from tests.treatments.test_sitemap import add_preempt_sites

pytestmark = pytest.mark.django_db
CHART_BUDGET = 22


def course(patient, sessions: int):
    made = []
    for number in range(sessions):
        session = InjectionSessionFactory(
            patient=patient, performed_on=date.today() - timedelta(days=84 * (sessions - number))
        )
        add_preempt_sites(session, extras=number % 3)
        AdverseEventFactory(session=session, serious=number == 0)
        made.append(session)
    return made


def count_queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("sessions", [1, 8])
def test_the_chart_query_count_does_not_grow_with_sessions(
    neurologist_client, patient, django_assert_max_num_queries, sessions
):
    course(patient, sessions)
    url = reverse("patients:chart", args=[patient.pk])
    # 18 today: session, user, role; patient, flags, preventives; audit insert; sessions
    # (annotated) and their side effects (2); the access log; the diary and progress sections.
    count_queries(neurologist_client, url, django_assert_max_num_queries, CHART_BUDGET)


@pytest.mark.parametrize("sessions", [1, 8])
def test_the_session_page_query_count_does_not_grow(
    neurologist_client, patient, django_assert_max_num_queries, sessions
):
    latest = course(patient, sessions)[-1]
    url = reverse("treatments:session_detail", args=[patient.pk, latest.pk])
    # session, user, role; patient, flags; the session, its sites and their protocol sites,
    # side effects and who recorded them, amendments; audit insert; prices; the checklist
    count_queries(neurologist_client, url, django_assert_max_num_queries, 14)


def test_both_sizes_cost_the_same(
    neurologist_client, patient, other_patient, django_assert_max_num_queries
):
    course(patient, 1)
    course(other_patient, 8)
    small = count_queries(
        neurologist_client,
        reverse("patients:chart", args=[patient.pk]),
        django_assert_max_num_queries,
        25,
    )
    large = count_queries(
        neurologist_client,
        reverse("patients:chart", args=[other_patient.pk]),
        django_assert_max_num_queries,
        CHART_BUDGET,
    )
    assert small == large
