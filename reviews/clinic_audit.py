"""The clinic's own audit for a period: how the service is doing, for the neurologists.

Every figure counts what happened from `start` to `end` (both included):

- **Patients treated**: patients with an injection session in the period; sessions.
- **Reviews on time**: each review recorded in the period is placed against the day it fell
  due by the review-due rule (`reviews.due.review_due`, from the sessions before it and the
  decision before it). *On time*: recorded from that day to `ON_TIME_DAYS` after it. *Late*:
  later than that. *Early*: recorded before it fell due, or when no review was due (brought
  forward, or the first after a stop). The rate is on time / (on time + late).
- **Decisions**, and **stops by the rule the review suggested at the time** (`suggested_verdict`
  is stored with each review).
- **Responders at cycle 2 and 3**: patients whose cycle 2 (3) ended in the period, by its
  reduction against the baseline (`reviews.progress`: the same windows and rules as the review);
  not assessed (not chronic migraine) and insufficient data (no adequate baseline, or the cycle
  under 80% logged) apart. The rate is responders (≥30%) / assessable.
- **Units per year**: sessions, units given and units discarded per calendar year and product.
- **Side effects**: per session (a session counts once however many it had), serious ones
  apart (`AdverseEvent.serious`), and events of each kind per 100 sessions.

Counts and sums are aggregated in PostgreSQL; the per-patient rules (timeliness, responses)
run on keyset batches of patients (`clinic.batches`), so the page takes a fixed number of
queries per batch and the memory of one batch whatever the size of the clinic
(`tests/reviews/test_clinic_audit.py`).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from clinic.batches import keyset_batches
from diaries.metrics import rounded
from reviews.due import LatestReview, review_due
from reviews.models import Decision, Review, Verdict
from reviews.progress import RESPONDER_50_PERCENT, RESPONSE_PERCENT, progress_for_patients
from scheduling.models import CourseStatus
from treatments.courses import INTERVAL_DAYS
from treatments.models import AdverseEvent, InjectionSession

ON_TIME_DAYS = 28  # a review recorded within 28 days of falling due is on time (ours)
RESPONSE_CYCLES = (2, 3)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, rounded for display; None when `whole` is 0."""
    return rounded(Fraction(part * 100, whole)) if whole else None


@dataclass(frozen=True)
class Timeliness:
    on_time: int = 0
    late: int = 0
    early: int = 0
    days_late: list[int] = field(default_factory=list)  # days after falling due, of the late

    @property
    def recorded(self) -> int:
        return self.on_time + self.late + self.early

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent(self.on_time, self.on_time + self.late)

    @property
    def longest_late(self) -> int | None:
        return max(self.days_late, default=None)


@dataclass(frozen=True)
class CycleResponse:
    cycle: int
    responder_50: int = 0  # ≥50%
    responding: int = 0  # ≥30% and <50%
    inadequate: int = 0  # <30%
    insufficient: int = 0
    not_assessed: int = 0

    @property
    def assessable(self) -> int:
        return self.responder_50 + self.responding + self.inadequate

    @property
    def ended(self) -> int:
        return self.assessable + self.insufficient + self.not_assessed

    @property
    def responder_percent(self) -> Decimal | None:
        return percent(self.responder_50 + self.responding, self.assessable)

    @property
    def responder_50_percent(self) -> Decimal | None:
        return percent(self.responder_50, self.assessable)


@dataclass(frozen=True)
class UnitsRow:
    year: int
    product: str
    sessions: int
    given: Decimal
    discarded: Decimal

    @property
    def discarded_percent(self) -> Decimal | None:
        total = self.given + self.discarded
        return rounded(self.discarded * 100 / total) if total else None


@dataclass(frozen=True)
class SideEffectRow:
    label: str
    serious: bool
    events: int
    sessions: int  # sessions with at least one
    per_100_sessions: Decimal | None


@dataclass(frozen=True)
class ClinicAudit:
    start: date
    end: date
    sessions: int
    patients_treated: int
    sessions_with_side_effects: int
    sessions_with_serious: int
    timeliness: Timeliness
    decisions: list[tuple[str, int]]  # (decision label, reviews)
    stops: list[tuple[str, int]]  # (suggested verdict label at the time, stops)
    responses: list[CycleResponse]
    units: list[UnitsRow]
    side_effects: list[SideEffectRow]

    @property
    def empty(self) -> bool:
        return not (
            self.sessions or self.timeliness.recorded or any(r.ended for r in self.responses)
        )

    @property
    def side_effect_percent(self) -> Decimal | None:
        return percent(self.sessions_with_side_effects, self.sessions)

    @property
    def serious_percent(self) -> Decimal | None:
        return percent(self.sessions_with_serious, self.sessions)

    def csv_rows(self) -> list[list]:
        """Every figure of the page as (section, measure, value) rows."""
        t = self.timeliness
        rows = [
            ["period", "from", self.start.isoformat()],
            ["period", "to", self.end.isoformat()],
            ["treatment", "patients treated", self.patients_treated],
            ["treatment", "sessions", self.sessions],
            ["reviews", "recorded", t.recorded],
            ["reviews", f"on time (within {ON_TIME_DAYS} days of falling due)", t.on_time],
            ["reviews", "late", t.late],
            ["reviews", "early or not due", t.early],
            ["reviews", "on time, % of due", t.on_time_percent],
        ]
        rows += [["decisions", label, count] for label, count in self.decisions]
        rows += [["stops by suggested verdict", label, count] for label, count in self.stops]
        for response in self.responses:
            section = f"cycle {response.cycle} response"
            rows += [
                [section, "cycles ended", response.ended],
                [section, f"{RESPONDER_50_PERCENT}% responders", response.responder_50],
                [section, f"{RESPONSE_PERCENT}–{RESPONDER_50_PERCENT}%", response.responding],
                [section, f"below {RESPONSE_PERCENT}%", response.inadequate],
                [section, "insufficient data", response.insufficient],
                [section, "not assessed (not chronic migraine)", response.not_assessed],
                [section, "responders, % of assessable", response.responder_percent],
            ]
        for row in self.units:
            section = f"units {row.year} {row.product}"
            rows += [
                [section, "sessions", row.sessions],
                [section, "units given", row.given],
                [section, "units discarded", row.discarded],
            ]
        rows += [
            ["side effects", "sessions with any", self.sessions_with_side_effects],
            ["side effects", "sessions with any, %", self.side_effect_percent],
            ["side effects", "sessions with a serious one", self.sessions_with_serious],
            ["side effects", "sessions with a serious one, %", self.serious_percent],
        ]
        rows += [
            ["side effect" + (" (serious)" if row.serious else ""), row.label, row.events]
            for row in self.side_effects
        ]
        return rows


def _timeliness(start: date, end: date) -> Timeliness:
    """Each review of the period against the day it fell due (two queries a batch of patients
    reviewed in the period)."""
    reviewed = Review.objects.filter(reviewed_on__range=(start, end)).values("patient_id")
    tally, days_late = Counter(), []
    for batch in keyset_batches(reviewed.distinct(), "patient_id"):
        _place_reviews(tally, days_late, [pk for (pk,) in batch], start, end)
    return Timeliness(tally["on_time"], tally["late"], tally["early"], days_late)


def _place_reviews(tally: Counter, days_late: list, patient_ids: list, start: date, end: date):
    reviews: dict[int, list[dict]] = {}
    for row in (
        Review.objects.filter(patient_id__in=patient_ids, reviewed_on__lte=end)
        .order_by("patient_id", "reviewed_on", "id")
        .values("patient_id", "reviewed_on", "decision", "resume_on")
    ):
        reviews.setdefault(row["patient_id"], []).append(row)
    sessions: dict[int, list[date]] = {}
    for patient_id, day in (
        InjectionSession.objects.filter(patient_id__in=patient_ids, performed_on__lte=end)
        .order_by("patient_id", "performed_on")
        .values_list("patient_id", "performed_on")
    ):
        sessions.setdefault(patient_id, []).append(day)
    for patient_id, rows in reviews.items():
        previous = None
        for row in rows:
            if row["reviewed_on"] >= start:
                due = _due_before(sessions.get(patient_id, []), previous, row["reviewed_on"])
                delay = None if due is None else (row["reviewed_on"] - due).days
                if delay is None or delay < 0:
                    tally["early"] += 1
                elif delay <= ON_TIME_DAYS:
                    tally["on_time"] += 1
                else:
                    tally["late"] += 1
                    days_late.append(delay)
            previous = row


def _due_before(sessions: list[date], previous: dict | None, reviewed_on: date) -> date | None:
    """The day the review recorded on `reviewed_on` fell due, by the review-due rule applied to
    the sessions before it and the decision before it; None when none was due."""
    latest = previous and LatestReview(previous["decision"], previous["reviewed_on"])
    status = {Decision.STOP: CourseStatus.STOPPED, Decision.PAUSE: CourseStatus.PAUSED}.get(
        latest and latest.decision, CourseStatus.ACTIVE
    )
    due = review_due(
        sessions=[day for day in sessions if day <= reviewed_on],
        latest=latest,
        status=status,
        resume_on=previous and previous["resume_on"],
    )
    return due.since if due else None


def _responses(start: date, end: date) -> list[CycleResponse]:
    """Cycles 2 and 3 that ended in the period, by their reduction (progress as of the day
    after the period: its windows end at most on its last day)."""
    reach = start - timedelta(days=INTERVAL_DAYS * max(RESPONSE_CYCLES))
    patient_ids = (
        InjectionSession.objects.filter(performed_on__range=(reach, end))
        .values("patient_id")
        .distinct()
    )
    counts = {cycle: Counter() for cycle in RESPONSE_CYCLES}
    for batch in keyset_batches(patient_ids, "patient_id"):
        _count_responses(counts, [pk for (pk,) in batch], start, end)
    return [CycleResponse(cycle, **counts[cycle]) for cycle in RESPONSE_CYCLES]


def _count_responses(counts: dict[int, Counter], patient_ids, start: date, end: date) -> None:
    for progress in progress_for_patients(patient_ids, end + timedelta(days=1)).values():
        for cycle in RESPONSE_CYCLES:
            if len(progress.cycles) < cycle:
                continue
            window = progress.cycles[cycle - 1]
            if not window.complete or not start <= window.end <= end:
                continue
            if not progress.assessed:
                outcome = "not_assessed"
            elif window.reduction is None or not window.adequate:
                outcome = "insufficient"
            elif window.reduction >= RESPONDER_50_PERCENT:
                outcome = "responder_50"
            elif window.reduction >= RESPONSE_PERCENT:
                outcome = "responding"
            else:
                outcome = "inadequate"
            counts[cycle][outcome] += 1


def clinic_audit(start: date, end: date) -> ClinicAudit:
    """The audit of the period from `start` to `end`, both included."""
    in_period = InjectionSession.objects.filter(performed_on__range=(start, end))
    totals = in_period.aggregate(
        sessions=Count("id", distinct=True),
        patients=Count("patient_id", distinct=True),
        with_any=Count("id", filter=Q(adverse_events__isnull=False), distinct=True),
        with_serious=Count("id", filter=Q(adverse_events__serious=True), distinct=True),
    )
    products = dict(InjectionSession.Product.choices)
    units = [
        UnitsRow(
            row["year"],
            products.get(row["product"], row["product"]),
            row["sessions"],
            row["given"],
            row["discarded"],
        )
        for row in in_period.annotate(year=ExtractYear("performed_on"))
        .values("year", "product")
        .annotate(sessions=Count("id"), given=Sum("units_given"), discarded=Sum("units_discarded"))
        .order_by("year", "product")
    ]
    kinds = dict(AdverseEvent.Kind.choices)
    side_effects = [
        SideEffectRow(
            kinds.get(row["kind"], row["kind"]),
            row["serious"],
            row["events"],
            row["sessions"],
            percent(row["events"], totals["sessions"]),
        )
        for row in AdverseEvent.objects.filter(session__performed_on__range=(start, end))
        .values("kind", "serious")
        .annotate(events=Count("id"), sessions=Count("session_id", distinct=True))
        .order_by("-serious", "-events", "kind")
    ]
    decided = Counter()
    stops = Counter()
    for row in (
        Review.objects.filter(reviewed_on__range=(start, end))
        .values("decision", "suggested_verdict")
        .annotate(reviews=Count("id"))
        .order_by()
    ):
        decided[row["decision"]] += row["reviews"]
        if row["decision"] == Decision.STOP:
            stops[row["suggested_verdict"]] += row["reviews"]
    verdicts = dict(Verdict.choices)
    return ClinicAudit(
        start=start,
        end=end,
        sessions=totals["sessions"],
        patients_treated=totals["patients"],
        sessions_with_side_effects=totals["with_any"],
        sessions_with_serious=totals["with_serious"],
        timeliness=_timeliness(start, end),
        decisions=[(label, decided[value]) for value, label in Decision.choices if decided[value]],
        stops=[(verdicts.get(value, value), count) for value, count in stops.most_common()],
        responses=_responses(start, end),
        units=units,
        side_effects=side_effects,
    )
