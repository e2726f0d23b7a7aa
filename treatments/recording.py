"""Recording, correcting and signing injection sessions.

Every write goes through these functions: they lock the patient row (so two clinicians cannot
push a patient over the 84-day dose limit together), validate every rule, and save the session
and its sites in one transaction.
"""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clinic import audit
from patients.models import Patient
from treatments import pre_injection
from treatments.models import (
    InjectedSite,
    InjectionSession,
    PreInjectionCheck,
    Protocol,
    SessionAmendment,
)
from treatments.models.protocols import UNIT_STEP, format_units


@dataclass(frozen=True)
class SiteEntry:
    """One protocol site as entered: its units, or skipped."""

    protocol_site_id: int
    units: Decimal
    skipped: bool = False


@dataclass(frozen=True)
class AdditionEntry:
    """One follow-the-pain site as entered."""

    muscle_group: str
    side: str
    units: Decimal


class AlreadySaved(Exception):
    """The same form was submitted twice; `session` is the one saved the first time."""

    def __init__(self, session: InjectionSession):
        super().__init__(f"Already saved as {session}")
        self.session = session


def initial_sites(protocol: Protocol) -> list[dict]:
    """Every site of the protocol with its default units, to pre-fill the form."""
    return [
        {"protocol_site": site.pk, "units": site.default_units, "skipped": False}
        for site in protocol.sites.all()
    ]


def build_sites(
    protocol: Protocol, sites: list[SiteEntry], additions: list[AdditionEntry]
) -> list[InjectedSite]:
    """Check the entered sites against the protocol and return unsaved site rows."""
    protocol_sites = {site.pk: site for site in protocol.sites.all()}
    errors = []
    rows = []
    for entry in sites:
        site = protocol_sites.get(entry.protocol_site_id)
        if site is None:
            errors.append(f"Site #{entry.protocol_site_id} is not part of the {protocol} protocol.")
            continue
        units = Decimal(0) if entry.skipped else entry.units
        errors += _unit_errors(str(site), units, entry.skipped)
        rows.append(
            InjectedSite(
                protocol_site=site,
                muscle_group=site.muscle_group,
                side=site.side,
                units=units,
                skipped=entry.skipped,
            )
        )
    if len({row.protocol_site_id for row in rows}) != len(rows):
        errors.append("A protocol site was entered twice.")
    errors += _addition_errors(protocol, additions)
    for entry in additions:
        errors += _unit_errors("A follow-the-pain site", entry.units, skipped=False)
        rows.append(
            InjectedSite(muscle_group=entry.muscle_group, side=entry.side, units=entry.units)
        )
    if errors:
        raise ValidationError(errors)
    return rows


def _unit_errors(label: str, units: Decimal, skipped: bool) -> list[str]:
    if skipped:
        return []
    if units is None or units <= 0:
        return [f"{label}: units must be more than zero (tick “skip” to leave a site out)."]
    if units % UNIT_STEP:
        return [f"{label}: {units} U is not a multiple of {UNIT_STEP} U."]
    return []


def _addition_errors(protocol: Protocol, additions: list[AdditionEntry]) -> list[str]:
    if not additions:
        return []
    allowed = {a.muscle_group: a for a in protocol.additions.all()}
    errors = []
    if len(additions) > protocol.max_additional_sites:
        errors.append(
            f"{len(additions)} follow-the-pain sites entered; the {protocol} protocol allows "
            f"at most {protocol.max_additional_sites}."
        )
    for group in sorted({entry.muscle_group for entry in additions}):
        count = sum(1 for entry in additions if entry.muscle_group == group)
        allowance = allowed.get(group)
        label = InjectedSite(muscle_group=group).get_muscle_group_display()
        if allowance is None:
            errors.append(f"The {protocol} protocol allows no follow-the-pain sites in {label}.")
        elif count > allowance.max_sites:
            errors.append(
                f"{count} follow-the-pain sites in {label}; at most {allowance.max_sites} allowed."
            )
    return errors


def _apply_totals(session: InjectionSession, rows: list[InjectedSite]) -> None:
    session.units_given = sum((row.units for row in rows), Decimal(0))
    session.units_discarded = max(session.units_available - session.units_given, Decimal(0))


def _save_sites(session: InjectionSession, rows: list[InjectedSite], user) -> None:
    """Insert the sites with their history rows in one go, and one audit event for them all.

    (Saving 31–39 rows one by one would write an audit row each; one event listing the
    sites says the same.)
    """
    for row in rows:
        row.session = session
        row.full_clean(exclude=["session", "protocol_site"], validate_constraints=False)
    bulk_create_with_history(rows, InjectedSite, default_user=user)
    audit.record(
        action=audit.Action.CREATE,
        object_type="treatments.injectedsite",
        object_id=session.pk,
        patient_id=session.patient_id,
        changes={"sites": [None, _site_units(rows)]},
        user=user,
    )


def session_record(
    *,
    session: InjectionSession,
    check: PreInjectionCheck,
    sites: list[SiteEntry],
    additions: list[AdditionEntry],
    recorded_by,
    form_token: UUID | None = None,
) -> InjectionSession:
    """Validate and save a new session (unsigned) with its sites, numbered in the course, and
    the checklist answered before it (`treatments.pre_injection`).

    Raises ValidationError with every refusal, or AlreadySaved for a repeated form.
    """
    try:
        with transaction.atomic():
            Patient.objects.lock(session.patient_id)
            repeat = InjectionSession.objects.filter(form_token=form_token).first()
            if form_token and repeat:
                raise AlreadySaved(repeat)
            _check_in_order(session)
            rows = build_sites(session.protocol, sites, additions)
            session.indication = session.patient.primary_diagnosis
            session.number = session.patient.sessions.count() + 1
            session.recorded_by = recorded_by
            session.form_token = form_token
            _apply_totals(session, rows)
            _validate_new(session, check)
            session.save()
            _save_sites(session, rows, recorded_by)
            check.session = session
            check.checked_by = recorded_by
            check._history_user = recorded_by
            check.save()
    except IntegrityError:
        repeat = InjectionSession.objects.filter(form_token=form_token).first()
        if form_token and repeat:
            raise AlreadySaved(repeat) from None
        raise
    return session


def session_record_transcribed(
    *,
    session: InjectionSession,
    sites: list[SiteEntry],
    additions: list[AdditionEntry],
    recorded_by,
    units_given: Decimal | None = None,
) -> InjectionSession:
    """Save a session given elsewhere (paper notes, another system) with its sites, under the
    same rules as `session_record` (the patient locked, in course order, every rule of
    `InjectionSession.clean`), but without a checklist: none was kept with it here. Its time
    may be unknown, as on sessions recorded before times were kept. A record that kept only
    the total (`units_given`, no sites) is saved with it; with sites, a total that is not
    their sum is refused.

    Raises ValidationError with every refusal.
    """
    with transaction.atomic():
        Patient.objects.lock(session.patient_id)
        _check_in_order(session)
        rows = build_sites(session.protocol, sites, additions)
        session.transcribed = True
        session.indication = session.patient.primary_diagnosis
        session.number = session.patient.sessions.count() + 1
        session.recorded_by = recorded_by
        session._history_user = recorded_by
        _apply_totals(session, rows)
        if units_given is not None and not rows:
            session.units_given = units_given
            session.units_discarded = max(session.units_available - units_given, Decimal(0))
        elif units_given is not None and units_given != session.units_given:
            raise ValidationError(
                {
                    "units_given": f"The sites add up to {format_units(session.units_given)} U, "
                    f"not {format_units(units_given)} U."
                }
            )
        session.full_clean()
        session.save()
        if rows:
            _save_sites(session, rows, recorded_by)
    return session


def _validate_new(session: InjectionSession, check: PreInjectionCheck) -> None:
    """Every refusal of the session's rules and of its checklist, together."""
    errors = {}
    if session.performed_on:
        context = pre_injection.before_injection(session.patient, session.performed_on)
        errors = pre_injection.check_errors(check, context)
    try:
        session.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _check_in_order(session: InjectionSession) -> None:
    latest = session.patient.sessions.order_by("-performed_on").first()
    if latest and session.performed_on and session.performed_on <= latest.performed_on:
        raise ValidationError(
            {
                "performed_on": f"The latest session was on {latest.performed_on:%d %b %Y}; "
                "a new session must come after it."
            }
        )


# Fields a correction may change, with the labels the amendment log shows.
CORRECTABLE_FIELDS = [
    "performed_on",
    "injection_time",
    "injector",
    "product",
    "vial_size",
    "vials_used",
    "lot_number",
    "lot_expiry",
    "dilution",
    "reconstituted_at",
    "early_reason",
    "precautions_acknowledged",
    "contraindication_override",
    "notes",
]


def session_correct(
    *,
    session: InjectionSession,
    sites: list[SiteEntry],
    additions: list[AdditionEntry],
    user,
    reason: str = "",
) -> SessionAmendment | None:
    """Change a session: freely before signing, as a recorded amendment (with why) after.

    `session` carries the new field values; the stored row is the original.
    """
    with transaction.atomic():
        Patient.objects.lock(session.patient_id)
        original = InjectionSession.objects.get(pk=session.pk)
        old_sites = list(original.sites.select_related("protocol_site"))
        if original.is_signed and not reason.strip():
            raise ValidationError({"reason": "Say why the signed record is being amended."})
        rows = build_sites(session.protocol, sites, additions)
        _apply_totals(session, rows)
        session.full_clean()
        changes = _changes(original, session, old_sites, rows)
        if not changes:
            raise ValidationError("Nothing was changed.")
        session.save()
        original.sites.all().delete()
        _save_sites(session, rows, user)
        if not original.is_signed:
            return None
        return SessionAmendment.objects.create(
            session=session, amended_by=user, reason=reason.strip(), changes=changes
        )


def _changes(original, session, old_sites, new_sites) -> dict[str, list[str]]:
    changes = {}
    for name in CORRECTABLE_FIELDS:
        field = InjectionSession._meta.get_field(name)
        old, new = field.value_from_object(original), field.value_from_object(session)
        if old != new:
            label = str(field.verbose_name)
            changes[label[0].upper() + label[1:]] = [
                _shown(original, field, old),
                _shown(session, field, new),
            ]
    if original.units_discarded != session.units_discarded:
        changes["Units discarded"] = [
            f"{format_units(original.units_discarded)} U",
            f"{format_units(session.units_discarded)} U",
        ]
    old_units, new_units = _site_units(old_sites), _site_units(new_sites)
    for label in sorted(old_units.keys() | new_units.keys()):
        if old_units.get(label) != new_units.get(label):
            changes[label] = [old_units.get(label, "none"), new_units.get(label, "none")]
    return changes


def _shown(session, field, value) -> str:
    if value is None:
        return "not recorded"
    if field.is_relation:
        return str(getattr(session, field.name))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "astimezone"):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if hasattr(value, "strftime"):
        return f"{value:%d %b %Y}"
    return str(value)


def _site_units(rows: list[InjectedSite]) -> dict[str, str]:
    """What each site received, keyed as the amendment log shows it."""
    units = {"Total units": f"{format_units(sum((row.units for row in rows), Decimal(0)))} U"}
    extras = []
    for row in rows:
        if row.protocol_site_id:
            given = "skipped" if row.skipped else f"{format_units(row.units)} U"
            units[f"Site {row.protocol_site.code}"] = given
        else:
            extras.append(
                f"{row.get_muscle_group_display()} {row.side} {format_units(row.units)} U"
            )
    units["Follow-the-pain sites"] = ", ".join(sorted(extras)) or "none"
    return units


def session_sign(*, session: InjectionSession, user) -> None:
    """Sign the session: from now on it changes only by amendment."""
    with transaction.atomic():
        locked = InjectionSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_signed:
            raise ValidationError(
                f"Already signed by {locked.signed_by} on "
                f"{timezone.localtime(locked.signed_at):%d %b %Y at %H:%M}."
            )
        locked.signed_by = user
        locked.signed_at = timezone.now()
        locked.save(update_fields=["signed_by", "signed_at"])
    session.signed_by, session.signed_at = locked.signed_by, locked.signed_at
