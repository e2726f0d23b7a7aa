"""The demo courses show every verdict, once, and the export matches the page for them."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.reviews import COURSES, seed_reviews
from reviews.models import Review, Verdict
from reviews.progress import progress_for_patients
from reviews.views import progress_context
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    return seed_reviews(neurologists=[UserFactory()], today=timezone.localdate())


def test_every_verdict_is_shown_by_a_demo_course(seeded):
    progress = progress_for_patients([p.pk for p in seeded], timezone.localdate())
    verdicts = [progress[patient.pk].verdict for patient in seeded]
    assert verdicts == [course.verdict for course in COURSES]
    assert set(verdicts) == set(Verdict)


def test_seeding_again_adds_nothing(seeded):
    seed_reviews(neurologists=[UserFactory()], today=timezone.localdate())
    assert [p.sessions.count() for p in seeded] == [len(c.days_ago) for c in COURSES]
    assert Review.objects.count() == 2


def test_the_long_term_patient_has_reviews_with_a_reason_where_they_differ(seeded):
    first, second = Review.objects.order_by("reviewed_on")
    assert (first.suggested_verdict, first.decision) == (Verdict.RESPONDING, "continue")
    assert second.suggested_verdict == Verdict.EPISODIC
    assert second.reason


def test_the_export_matches_the_page_for_the_demo_courses(seeded):
    out = io.StringIO()
    call_command("progress_report", stdout=out)
    exported = {record["mrn"]: record for record in json.loads(out.getvalue())}
    for patient in seeded:
        context = progress_context(patient, timezone.localdate())
        record = exported[patient.mrn]
        assert record["verdict"] == context["progress"].verdict
        page_cycles = [row for window, row in context["windows"] if window.number]
        assert len(page_cycles) == len(record["cycles"])
        for row, cycle in zip(page_cycles, record["cycles"], strict=True):
            for name in ("coverage", "headache_days_per_28", "reduction_percent"):
                assert cycle[name] == (None if row[name] is None else float(row[name]))
