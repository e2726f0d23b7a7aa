"""Demo treatment courses for `seed_demo`: 0 to 8 sessions per patient, the same every run."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from patients.models import Patient
from treatments.courses import INTERVAL_DAYS
from treatments.models import AdverseEvent, InjectionSession, PreInjectionCheck
from treatments.pre_injection import before_injection
from treatments.protocols import PREEMPT_ADDITIONS, preempt_protocol
from treatments.recording import (
    AdditionEntry,
    SiteEntry,
    initial_sites,
    session_record,
    session_sign,
)

FIVE = Decimal(5)
# Days added to the 84-day interval: mostly on time, some late, a few early.
INTERVAL_DRIFT = [0, 0, 0, 0, 2, 3, 7, 14, 28, -10]
COMMON_SIDE_EFFECTS = [
    AdverseEvent.Kind.NECK_PAIN,
    AdverseEvent.Kind.NECK_PAIN,
    AdverseEvent.Kind.PTOSIS,
    AdverseEvent.Kind.SITE_PAIN,
    AdverseEvent.Kind.HEADACHE_FLARE,
    AdverseEvent.Kind.BRUISING,
    AdverseEvent.Kind.EYEBROW_DROOP,
]


def _session_dates(rng: random.Random, patient: Patient, today: date) -> list[date]:
    """Up to 8 session dates ending in the last 12 weeks, oldest first, after registration."""
    if (
        patient.status == Patient.Status.REFERRED
        or patient.flags.filter(
            resolved_on=None, kind__in=patient.flags.model.CONTRAINDICATIONS
        ).exists()
    ):
        return []
    wanted = rng.randint(1, 8)
    day = today - timedelta(days=rng.randint(2, INTERVAL_DAYS - 4))
    dates = []
    while len(dates) < wanted and day >= patient.registered_on + timedelta(days=14):
        dates.append(day)
        day -= timedelta(days=INTERVAL_DAYS + rng.choice(INTERVAL_DRIFT))
    return dates[::-1]


def _additions(rng: random.Random) -> list[AdditionEntry]:
    """Follow-the-pain in about a third of sessions: 2 to 8 sites where PREEMPT allows them."""
    if rng.random() > 0.35:
        return []
    spots = [group for group, count in PREEMPT_ADDITIONS for _ in range(count)]
    chosen = rng.sample(spots, rng.randint(2, len(spots)))
    return [AdditionEntry(group, rng.choice(["left", "right"]), FIVE) for group in chosen]


def _record(rng, patient, day, protocol, neurologists, today) -> InjectionSession:
    previous = patient.sessions.order_by("-performed_on").first()
    early = previous and (day - previous.performed_on).days < INTERVAL_DAYS
    additions = _additions(rng)
    injector = rng.choice(neurologists)
    session = InjectionSession(
        patient=patient,
        protocol=protocol,
        performed_on=day,
        injector=injector,
        vial_size=200,
        vials_used=1,
        lot_number=f"C{rng.randint(1000, 9999)}C{rng.randint(2, 4)}",
        lot_expiry=day + timedelta(days=rng.randint(60, 600)),
        injection_time=time(9),
        reconstituted_at=timezone.make_aware(datetime.combine(day, time(8, 30))),
        early_reason="Travelling abroad on the due date; brought forward." if early else "",
        precautions_acknowledged=patient.flags.filter(resolved_on=None).exists(),
    )
    sites = [SiteEntry(row["protocol_site"], row["units"]) for row in initial_sites(protocol)]
    session_record(
        session=session,
        check=_check(patient, day),
        sites=sites,
        additions=additions,
        recorded_by=injector,
    )
    if day < today - timedelta(days=1):
        session_sign(session=session, user=injector)
    return session


def _check(patient, day) -> PreInjectionCheck:
    """The checklist as a clinician answers it for a routine session: nothing found."""
    context = before_injection(patient, day)
    return PreInjectionCheck(
        consent_on_file=True,
        serious_events_reviewed=True if context.serious_events else None,
        warnings=[
            {"warning": warning, "reason": "Discussed with the patient; treatment continues."}
            for warning in context.warnings
        ],
        **{name: "no" for name in context.questions},
    )


def _side_effect(rng, session, today, *, kind=None, serious=False) -> None:
    onset = min(session.performed_on + timedelta(days=rng.randint(1, 5)), today)
    event = AdverseEvent(
        session=session,
        kind=kind or rng.choice(COMMON_SIDE_EFFECTS),
        onset_on=onset,
        severity=AdverseEvent.Severity.SEVERE if serious else AdverseEvent.Severity.MILD,
        outcome=AdverseEvent.Outcome.ONGOING if serious else AdverseEvent.Outcome.RESOLVED,
        serious=serious,
        recorded_by=session.injector,
        notes="Phoned the clinic; advised to attend A&E." if serious else "",
    )
    event.full_clean()
    event.save()


@transaction.atomic
def seed_sessions(*, patients: list[Patient], neurologists: list, today: date) -> int:
    """Give demo patients their courses (patients who already have sessions are kept)."""
    protocol = preempt_protocol()
    created = 0
    serious_given = AdverseEvent.objects.filter(serious=True).exists()
    for patient in patients:
        if patient.sessions.exists():
            continue
        # One generator per patient: a second run draws the same for a patient still without
        # sessions as the first run did, so it adds nothing.
        rng = random.Random(f"sessions {patient.mrn}")
        dates = _session_dates(rng, patient, today)
        for day in dates:
            session = _record(rng, patient, day, protocol, neurologists, today)
            created += 1
            if rng.random() < 0.2:
                _side_effect(rng, session, today)
        if not serious_given and len(dates) >= 3:
            _side_effect(rng, session, today, kind=AdverseEvent.Kind.DYSPHAGIA, serious=True)
            serious_given = True
    return created
