"""The three CSV formats (docs/migration-in.md): patients, treatment history, reported
baselines. Each row is recorded by the domain function its form uses, under the same rules;
a row already recorded the same way is left alone, one recorded differently is refused
(nothing is overwritten: correct the record in the clinic, or the file)."""

import re
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.models import Diagnosis, Eligibility, Patient
from patients.records import eligibility_save, patient_save
from records_in.importing import (
    ADDED,
    UNCHANGED,
    Kind,
    RowError,
    choice,
    clock,
    day,
    lookup,
    moment,
    number,
    required,
    text,
    whole,
    yes_no,
)
from treatments.forms import neurologists
from treatments.models import InjectionSession, MuscleGroup, Protocol, Side
from treatments.recording import AdditionEntry, SiteEntry, session_record_transcribed


def refuse_difference(what: str, stored: dict, given: dict) -> str:
    """UNCHANGED when every value the file gives is the one stored; else a refusal naming
    each difference."""
    different = [
        f"{name} is “{stored[name]}” here, “{value}” in the file"
        for name, value in given.items()
        if value not in ("", None) and stored[name] != value
    ]
    if different:
        raise ValidationError(
            f"{what} is already recorded differently ({'; '.join(different)}): correct it in "
            "the clinic or in the file."
        )
    return UNCHANGED


def user(values: dict, column: str, default=None):
    username = text(values, column)
    if not username:
        if default is None:
            raise RowError(f"{column} is blank.")
        return default
    return lookup(get_user_model().objects, column, username=username)


def patient_by_mrn(values: dict) -> Patient:
    return lookup(Patient.objects, "mrn", mrn=required(values, "mrn").upper())


# -- patients -----------------------------------------------------------------------------------

PATIENT_FIELDS = {  # column: the Patient field it fills
    "given_name": "given_name",
    "family_name": "family_name",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "primary_diagnosis": "primary_diagnosis",
    "diagnosis_date": "diagnosis_date",
    "status": "status",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "nhs_number": "national_id",
    "referring_clinician": "referring_clinician",
    "registered_on": "registered_on",
    "consent_date": "consent_date",
}


def _patient_values(values: dict) -> dict:
    given = {
        "given_name": required(values, "given_name"),
        "family_name": required(values, "family_name"),
        "date_of_birth": day(values, "date_of_birth"),
        "sex": choice(values, "sex", Patient.Sex),
        "primary_diagnosis": choice(values, "primary_diagnosis", Diagnosis),
        "diagnosis_date": day(values, "diagnosis_date"),
        "status": choice(values, "status", Patient.Status),
        "phone": text(values, "phone"),
        "email": text(values, "email"),
        "address": text(values, "address"),
        "national_id": re.sub(r"[\s-]", "", text(values, "nhs_number")),
        "referring_clinician": text(values, "referring_clinician"),
        "registered_on": day(values, "registered_on"),
        "consent_date": day(values, "consent_date"),
    }
    if given["date_of_birth"] is None:
        raise RowError("date_of_birth is blank.")
    if given["national_id"]:
        given["national_id_kind"] = Patient.NationalIdKind.NHS
    return given


def save_patient(values: dict, by) -> str:
    """A patient, matched by MRN: added through `patient_save` (the new-patient form's), or
    left alone when recorded with the same values."""
    mrn = required(values, "mrn").upper()
    given = _patient_values(values)
    stored = Patient.objects.filter(mrn=mrn).first()
    if stored is not None:
        now = {name: getattr(stored, name) for name in given}
        return refuse_difference(f"Patient {mrn}", now, given)
    patient = Patient(mrn=mrn, **{k: v for k, v in given.items() if v not in ("", None)})
    patient._history_user = by
    patient_save(patient)
    return ADDED


PATIENTS = Kind(
    "patients",
    required=("mrn", "given_name", "family_name", "date_of_birth"),
    optional=tuple(
        name
        for name in PATIENT_FIELDS
        if name not in ("given_name", "family_name", "date_of_birth")
    ),
    save=save_patient,
)


# -- treatment history --------------------------------------------------------------------------

SITE = re.compile(r"(?P<code>\S+)\s+(?P<units>\d+(?:\.\d+)?)")
ADDITION = re.compile(r"(?P<group>[a-z_]+)\s+(?P<side>[a-z]+)\s+(?P<units>\d+(?:\.\d+)?)")


def _parts(values: dict, column: str) -> list[str]:
    return [part.strip() for part in text(values, column).split(";") if part.strip()]


def _sites(values: dict, protocol: Protocol) -> list[SiteEntry]:
    """`sites`: "CODE units; …" for the protocol sites given; the others were skipped."""
    by_code = {site.code.upper(): site for site in protocol.sites.all()}
    given = {}
    for part in _parts(values, "sites"):
        match = SITE.fullmatch(part)
        if match is None:
            raise RowError(f"sites: “{part}” is not a site code and its units, e.g. “A1 5”.")
        site = by_code.get(match["code"].upper())
        if site is None:
            raise RowError(f"sites: {match['code']} is not a site of the {protocol} protocol.")
        if site.pk in given:
            raise RowError(f"sites: {match['code']} is given twice.")
        given[site.pk] = Decimal(match["units"])
    if not given:
        return []  # no site recorded: the total alone (`units_given`)
    return [
        SiteEntry(site.pk, given.get(site.pk, Decimal(0)), skipped=site.pk not in given)
        for site in by_code.values()
    ]


def _additions(values: dict) -> list[AdditionEntry]:
    """`additions`: "muscle_group side units; …" for follow-the-pain sites."""
    entries = []
    for part in _parts(values, "additions"):
        match = ADDITION.fullmatch(part)
        if (
            match is None
            or match["group"] not in MuscleGroup.values
            or match["side"] not in Side.values
        ):
            raise RowError(
                f"additions: “{part}” is not a muscle group, a side and units, e.g. "
                "“occipitalis left 5”."
            )
        entries.append(AdditionEntry(match["group"], match["side"], Decimal(match["units"])))
    return entries


def _given_sites(sites, additions, protocol) -> list[tuple]:
    codes = {site.pk: site.code for site in protocol.sites.all()}
    return sorted(
        [(codes[s.protocol_site_id], s.units) for s in sites if not s.skipped]
        + [(f"{a.muscle_group} {a.side}", a.units) for a in additions]
    )


def _stored_sites(session: InjectionSession) -> list[tuple]:
    return sorted(
        (
            row.protocol_site.code if row.protocol_site_id else f"{row.muscle_group} {row.side}",
            row.units,
        )
        for row in session.sites.select_related("protocol_site")
        if not row.skipped
    )


def _aware(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def save_session(values: dict, by) -> str:
    """A session, matched by patient and day: recorded through
    `treatments.recording.session_record_transcribed` (every rule of the session form but the
    checklist, which was not kept here), or left alone when recorded with the same sites."""
    patient = patient_by_mrn(values)
    performed_on = day(values, "performed_on")
    if performed_on is None:
        raise RowError("performed_on is blank.")
    protocol = lookup(Protocol.objects, "protocol", name=required(values, "protocol"))
    sites, additions = _sites(values, protocol), _additions(values)
    stored = patient.sessions.filter(performed_on=performed_on).first()
    if stored is not None:
        now = {
            "protocol": stored.protocol.name,
            "lot_number": stored.lot_number,
            "sites": _stored_sites(stored),
        }
        given = {
            "protocol": protocol.name,
            "lot_number": required(values, "lot_number"),
            "sites": _given_sites(sites, additions, protocol),
        }
        return refuse_difference(f"The session of {performed_on:%-d %b %Y}", now, given)
    reconstituted = moment(values, "reconstituted_at")
    session = InjectionSession(
        patient=patient,
        protocol=protocol,
        performed_on=performed_on,
        injection_time=clock(values, "injection_time"),
        injector=lookup(
            neurologists(), "injector", "neurologist", username=required(values, "injector")
        ),
        vial_size=whole(values, "vial_size") or InjectionSession.VialSize.U200,
        vials_used=whole(values, "vials_used") or 1,
        lot_number=required(values, "lot_number"),
        lot_expiry=day(values, "lot_expiry"),
        dilution=number(values, "dilution") or Decimal("5.0"),
        reconstituted_at=_aware(reconstituted) if reconstituted else None,
        early_reason=text(values, "early_reason"),
        precautions_acknowledged=bool(yes_no(values, "precautions_acknowledged")),
        notes=text(values, "notes"),
    )
    session_record_transcribed(
        session=session,
        sites=sites,
        additions=additions,
        recorded_by=by,
        units_given=number(values, "units_given"),
    )
    return ADDED


SESSIONS = Kind(
    "sessions",
    required=(
        "mrn",
        "performed_on",
        "protocol",
        "sites",
        "lot_number",
        "lot_expiry",
        "reconstituted_at",
        "injector",
    ),
    optional=(
        "injection_time",
        "additions",
        "units_given",
        "vial_size",
        "vials_used",
        "dilution",
        "early_reason",
        "precautions_acknowledged",
        "notes",
    ),
    save=save_session,
)


# -- reported baselines -------------------------------------------------------------------------


def save_baseline(values: dict, by) -> str:
    """A patient's eligibility assessment with the reported headache and migraine days a
    month: saved through `patients.records.eligibility_save` (the eligibility form's), or left
    alone when recorded with the same values. A patient has one assessment."""
    patient = patient_by_mrn(values)
    given = {
        "assessed_on": day(values, "assessed_on"),
        "headache_days_per_month": whole(values, "headache_days_per_month"),
        "migraine_days_per_month": whole(values, "migraine_days_per_month"),
        "chronic_migraine_criteria_met": yes_no(values, "chronic_migraine_criteria_met"),
        "medication_overuse_managed": yes_no(values, "medication_overuse_managed"),
        "notes": text(values, "notes"),
    }
    if given["assessed_on"] is None:
        raise RowError("assessed_on is blank.")
    if given["headache_days_per_month"] is None:
        raise RowError("headache_days_per_month is blank.")
    stored = Eligibility.objects.filter(patient=patient).first()
    if stored is not None:
        now = {name: getattr(stored, name) for name in given}
        return refuse_difference(f"The baseline of {patient.mrn}", now, given)
    eligibility = Eligibility(patient=patient, **given)
    eligibility_save(eligibility=eligibility, by=user(values, "assessed_by", default=by))
    return ADDED


BASELINES = Kind(
    "baselines",
    required=("mrn", "assessed_on", "headache_days_per_month"),
    optional=(
        "migraine_days_per_month",
        "chronic_migraine_criteria_met",
        "medication_overuse_managed",
        "assessed_by",
        "notes",
    ),
    save=save_baseline,
)

KINDS = {kind.name: kind for kind in (PATIENTS, SESSIONS, BASELINES)}
