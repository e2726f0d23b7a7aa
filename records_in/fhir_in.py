"""A FHIR R4 Bundle (collection, transaction or batch), or the NDJSON files of a `$export`,
imported as the CSV files are: each resource read by `fhir.resources`, every reference
resolved within what was given, then every record saved through `records_in.csv_in`'s rows
(the same domain functions and rules) in one transaction.

Imported: Patient (with its Condition, the primary diagnosis), Procedure (an injection
session, with our `injection-session` and `site-units` extensions, which our export writes),
ClinicalImpression (a review, with our `review` extension: `records_in.reviews_in`),
EpisodeOfCare (a course state: the one a review set comes with the review; a restart is
recorded as such), AdverseEvent, Appointment. MedicationAdministration is checked against its
Procedure (the same session); Observations are skipped: they are computed from the diary and
the reviews. Sessions, restarts and reviews are recorded in the order they happened.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from fhir.resources import construct_fhir_element

from fhir_api import codes
from fhir_api.resources import ADVERSE_EVENT_OUTCOME, APPOINTMENT_STATUS
from records_in.csv_in import PATIENTS, SESSIONS, patient_by_mrn
from records_in.importing import (
    ADDED,
    UNCHANGED,
    Kind,
    Outcome,
    RowError,
    choice,
    day,
    import_rows,
    lookup,
    required,
    text,
)
from records_in.reviews_in import RESTARTS, REVIEWS
from reviews.reviewing import COURSE_AFTER
from scheduling.booking import clash_error
from scheduling.models import Appointment, CourseStatus
from treatments.forms import neurologists
from treatments.models import AdverseEvent
from treatments.side_effects import adverse_event_add

IMPORTED = (
    "Patient",
    "Condition",
    "Procedure",
    "MedicationAdministration",
    "ClinicalImpression",
    "EpisodeOfCare",
    "AdverseEvent",
    "Appointment",
)
SKIPPED = ("Observation",)
OUTCOMES = {fhir: ours for ours, fhir in ADVERSE_EVENT_OUTCOME.items()}
STATUSES = {fhir: ours for ours, fhir in APPOINTMENT_STATUS.items()}
KINDS_BY_LABEL = {label: value for value, label in Appointment.Kind.choices}


@dataclass
class Entry:
    where: str  # "Entry 3", "Procedure.ndjson line 12"
    resource: dict


@dataclass
class Read:
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0


def read_files(files: list[tuple[str, bytes]]) -> Read:
    """The resources of a Bundle (JSON) or of NDJSON files, each validated as FHIR R4."""
    read = Read()
    for name, data in files:
        for where, resource in _resources(name, data, read.errors):
            _validate(Entry(where, resource), read)
    return read


def _resources(name: str, data: bytes, errors: list[str]) -> Iterator[tuple[str, dict]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(f"{name}: not UTF-8 text.")
        return
    stripped = content.strip()
    try:
        whole = json.loads(stripped) if stripped.startswith("{") else None
    except json.JSONDecodeError:
        whole = None  # NDJSON: one object a line
    if isinstance(whole, dict) and whole.get("resourceType") == "Bundle":
        if whole.get("type") not in ("collection", "transaction", "batch"):
            errors.append(f"{name}: a Bundle of type {whole.get('type')} is not imported.")
            return
        for number, entry in enumerate(whole.get("entry") or [], start=1):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                errors.append(f"Entry {number}: no resource.")
                continue
            if entry.get("fullUrl"):
                resource = {**resource, "_fullUrl": entry["fullUrl"]}
            yield f"Entry {number}", resource
        return
    if isinstance(whole, dict):
        yield f"{name} line 1", whole
        return
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(f"{name} line {number}: not JSON ({error.msg}).")
            continue
        if not isinstance(resource, dict):
            errors.append(f"{name} line {number}: not a FHIR resource.")
            continue
        yield f"{name} line {number}", resource


def _validate(entry: Entry, read: Read) -> None:
    kind = entry.resource.get("resourceType")
    if kind in SKIPPED:
        read.skipped += 1
        return
    if kind not in IMPORTED:
        read.errors.append(
            f"{entry.where}: {kind or 'a resource without a type'} is not a "
            f"type this clinic imports ({', '.join(IMPORTED)})."
        )
        return
    resource = {k: v for k, v in entry.resource.items() if k != "_fullUrl"}
    try:
        construct_fhir_element(kind, resource)
    except Exception as error:  # the library's validation errors (pydantic) and bad shapes
        first = str(error).splitlines()
        read.errors.append(f"{entry.where}: not a valid FHIR R4 {kind}: {'; '.join(first[:3])}")
        return
    read.entries.append(entry)


# -- from resources to rows ---------------------------------------------------------------------


def _local(moment: str) -> datetime:
    value = datetime.fromisoformat(moment)
    return timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)


def _extension(element: dict, url: str) -> dict:
    return next((e for e in element.get("extension", []) if e.get("url") == url), {})


def _part(extension: dict, name: str):
    part = next((e for e in extension.get("extension", []) if e.get("url") == name), {})
    return next((value for key, value in part.items() if key.startswith("value")), None)


def _username(reference: dict) -> str:
    identifier = reference.get("identifier") or {}
    return identifier.get("value", "") if identifier.get("system") == codes.USER_SYSTEM else ""


class Resolver:
    """References within the file: `Patient/7` or a `urn:uuid:` full URL."""

    def __init__(self, entries: list[Entry]):
        self.found = {}
        for entry in entries:
            resource = entry.resource
            if resource.get("id"):
                self.found[f"{resource['resourceType']}/{resource['id']}"] = resource
            if resource.get("_fullUrl"):
                self.found[resource["_fullUrl"]] = resource

    def get(self, reference: dict | None, kind: str, what: str) -> dict:
        target = (reference or {}).get("reference", "")
        resource = self.found.get(target)
        if resource is None or resource["resourceType"] != kind:
            raise RowError(f"{what} {target or '(none)'} resolves to no {kind} in the file.")
        return resource


def patient_mrn(patient: dict) -> str:
    for identifier in patient.get("identifier", []):
        if identifier.get("system") == codes.MRN_SYSTEM:
            return identifier.get("value", "")
    raise RowError(f"Patient/{patient.get('id')} has no MRN identifier ({codes.MRN_SYSTEM}).")


def _diagnosis(condition: dict) -> str:
    for coding in condition.get("code", {}).get("coding", []):
        if coding.get("system") == codes.DIAGNOSIS_SYSTEM:
            return coding.get("code", "")
    return ""


def patient_row(patient: dict, condition: dict | None) -> dict:
    name = (patient.get("name") or [{}])[0]
    telecom = {t.get("system"): t.get("value", "") for t in patient.get("telecom", [])}
    nhs = [
        i["value"]
        for i in patient.get("identifier", [])
        if i.get("system") == codes.NHS_NUMBER_SYSTEM
    ]
    row = {
        "mrn": patient_mrn(patient),
        "given_name": " ".join(name.get("given", [])),
        "family_name": name.get("family", ""),
        "date_of_birth": patient.get("birthDate", ""),
        "sex": patient.get("gender", ""),
        "phone": telecom.get("phone", ""),
        "email": telecom.get("email", ""),
        "address": (patient.get("address") or [{}])[0].get("text", ""),
        "nhs_number": nhs[0] if nhs else "",
        "status": "" if patient.get("active", True) else "discharged",
    }
    ours = _extension(patient, codes.PATIENT_EXTENSION)
    if ours:
        row["registered_on"] = _part(ours, "registeredOn") or ""
        row["status"] = _part(ours, "status") or row["status"]
    if condition:
        row["primary_diagnosis"] = _diagnosis(condition)
        row["diagnosis_date"] = condition.get("recordedDate", "")
    return row


def session_row(procedure: dict, mrn: str) -> dict:
    extension = _extension(procedure, codes.SESSION_EXTENSION)
    if not extension:
        raise RowError(
            f"Procedure/{procedure.get('id')} has no {codes.SESSION_EXTENSION} extension: its "
            "protocol, vials and reconstitution are not known."
        )
    medication = next(
        (c for c in procedure.get("contained", []) if c.get("resourceType") == "Medication"), {}
    )
    batch = medication.get("batch", {})
    injected = procedure.get("performedDateTime", "")
    sites, additions = [], []
    for site in procedure.get("bodySite", []):
        units = _extension(site, codes.SITE_UNITS_EXTENSION).get("valueQuantity", {})
        shown = f"{units.get('value', 0):g}"
        code = _extension(site, codes.PROTOCOL_SITE_EXTENSION).get("valueString")
        if code:
            sites.append(f"{code} {shown}")
        else:
            concept = next(
                (c["code"] for c in site.get("coding", []) if c.get("system") == codes.SITE_SYSTEM),
                "",
            )
            group, _, side = concept.rpartition("-")
            additions.append(f"{group} {side} {shown}")
    when = _local(injected) if "T" in injected else None
    return {
        "mrn": mrn,
        "performed_on": when.date().isoformat() if when else injected,
        "injection_time": when.strftime("%H:%M:%S") if when else "",
        "protocol": _part(extension, "protocol") or "",
        "sites": "; ".join(sites),
        "additions": "; ".join(additions),
        "units_given": f"{_part(extension, 'unitsGiven') or 0:g}",
        "vial_size": str(_part(extension, "vialSize") or ""),
        "vials_used": str(_part(extension, "vialsUsed") or ""),
        "dilution": str(_part(extension, "dilution") or ""),
        "reconstituted_at": _part(extension, "reconstitutedAt") or "",
        "early_reason": _part(extension, "earlyReason") or "",
        "lot_number": batch.get("lotNumber", ""),
        "lot_expiry": batch.get("expirationDate", ""),
        "injector": _username((procedure.get("performer") or [{}])[0].get("actor", {})),
    }


def review_row(impression: dict, mrn: str) -> dict:
    """A review: its day, our decision code and the suggested verdict, the reason, scores."""
    extension = _extension(impression, codes.REVIEW_EXTENSION)
    if not extension:
        raise RowError(
            f"ClinicalImpression/{impression.get('id')} has no {codes.REVIEW_EXTENSION} "
            "extension: its decision is not known."
        )
    finding = (impression.get("finding") or [{}])[0].get("itemCodeableConcept")
    scores = {name: _part(extension, name) for name in ("midas", "hit6")}
    return {
        "mrn": mrn,
        "reviewed_on": (impression.get("date") or "")[:10],
        "decision": codes.our_code(_part(extension, "decision"), codes.REVIEW_DECISION_SYSTEM),
        "verdict": codes.our_code(finding, codes.VERDICT_SYSTEM),
        "reason": " ".join(note.get("text", "") for note in impression.get("note", [])),
        "resume_on": _part(extension, "resumeOn") or "",
        **{name: "" if value is None else str(value) for name, value in scores.items()},
        "reviewed_by": _username(impression.get("assessor") or {}),
    }


def course_state_row(episode: dict, mrn: str) -> dict:
    extension = _extension(episode, codes.COURSE_STATE_EXTENSION)
    state = codes.our_code((episode.get("type") or [{}])[0], codes.COURSE_STATE_SYSTEM)
    if not state:
        raise RowError(
            f"EpisodeOfCare/{episode.get('id')} has no course state ({codes.COURSE_STATE_SYSTEM})."
        )
    return {
        "mrn": mrn,
        "state": state,
        "since": episode.get("period", {}).get("start", "")[:10],
        "started_on": _part(extension, "courseStartedOn") or "",
        "reason": _part(extension, "reason") or "",
        "restarted_by": _username(episode.get("careManager") or {}),
    }


def _coded(concept: dict) -> str:
    return next((c.get("code", "") for c in (concept or {}).get("coding", [])), "")


def adverse_event_row(event: dict, mrn: str, performed_on: str) -> dict:
    return {
        "mrn": mrn,
        "performed_on": performed_on,
        "kind": _coded(event.get("event")),
        "onset_on": (event.get("date") or "")[:10],
        "severity": _coded(event.get("severity")),
        "outcome": OUTCOMES.get(_coded(event.get("outcome")), ""),
        "serious": "yes" if _coded(event.get("seriousness")) == "serious" else "no",
    }


def appointment_row(appointment: dict, resolver: Resolver) -> dict:
    patient, clinician = None, ""
    for participant in appointment.get("participant", []):
        actor = participant.get("actor", {})
        if actor.get("reference"):
            patient = resolver.get(actor, "Patient", "participant")
        elif _username(actor):
            clinician = _username(actor)
    if patient is None:
        raise RowError(f"Appointment/{appointment.get('id')} has no patient participant.")
    kind = (appointment.get("serviceType") or [{}])[0].get("text", "")
    return {
        "mrn": patient_mrn(patient),
        "clinician": clinician,
        "kind": KINDS_BY_LABEL.get(kind, kind),
        "starts_at": appointment.get("start", ""),
        "ends_at": appointment.get("end", ""),
        "status": STATUSES.get(appointment.get("status"), appointment.get("status", "")),
        "cancellation_reason": appointment.get("cancelationReason", {}).get("text", ""),
    }


# -- kinds only a Bundle brings -----------------------------------------------------------------


def save_adverse_event(values: dict, by) -> str:
    """A side effect of the session that day, through `treatments.side_effects`; left alone
    when the session already has one of that kind starting that day."""
    patient = patient_by_mrn(values)
    session = lookup(
        patient.sessions, "suspectEntity", "session on", performed_on=day(values, "performed_on")
    )
    kind = choice(values, "kind", AdverseEvent.Kind)
    onset = day(values, "onset_on")
    if session.adverse_events.filter(kind=kind, onset_on=onset).exists():
        return UNCHANGED
    event = AdverseEvent(
        session=session,
        kind=kind,
        onset_on=onset,
        severity=choice(values, "severity", AdverseEvent.Severity),
        outcome=choice(values, "outcome", AdverseEvent.Outcome, AdverseEvent.Outcome.UNKNOWN),
        serious=values.get("serious") == "yes",
    )
    adverse_event_add(event=event, by=by)
    return ADDED


def save_appointment(values: dict, by) -> str:
    """An appointment as it stands (past ones with their outcome): validated by the model and
    its constraints (no two for a patient or a clinician at once). The booking rules that look
    forward (a time in the future, opening hours) were the other system's to keep."""
    patient = patient_by_mrn(values)
    starts_at = _local(required(values, "starts_at"))
    kind = choice(values, "kind", Appointment.Kind)
    if patient.appointments.filter(starts_at=starts_at, kind=kind).exists():
        return UNCHANGED
    clinician = lookup(
        neurologists(), "clinician", "neurologist", username=required(values, "clinician")
    )
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=_local(required(values, "ends_at")),
        status=choice(values, "status", Appointment.Status),
        cancellation_reason=text(values, "cancellation_reason"),
        booked_by=by,
        status_changed_by=by,
    )
    appointment._history_user = by
    appointment.full_clean()
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        raise clash_error(error) or error from error
    return ADDED


ADVERSE_EVENTS = Kind("side effects", (), (), save_adverse_event)
APPOINTMENTS = Kind("appointments", (), (), save_appointment)


def import_fhir(files: list[tuple[str, bytes]], *, by, dry_run=False) -> Outcome:
    """Read, resolve and import; any problem anywhere and nothing is kept."""
    read = read_files(files)
    if read.errors:
        return Outcome(errors=read.errors, dry_run=dry_run)
    resolver = Resolver(read.entries)
    rows = {kind: [] for kind in (PATIENTS, SESSIONS, ADVERSE_EVENTS, APPOINTMENTS)}
    errors = []
    conditions = {}
    by_type = {}
    for entry in read.entries:
        by_type.setdefault(entry.resource["resourceType"], []).append(entry)
    for entry in by_type.get("Condition", []):
        try:
            patient = resolver.get(entry.resource.get("subject"), "Patient", "subject")
            conditions[id(patient)] = entry.resource
        except RowError as error:
            errors.append(f"{entry.where}: {error}")
    sessions = {}  # id(Procedure): (mrn, day)
    for entry in by_type.get("Patient", []):
        _row(rows[PATIENTS], errors, entry, lambda r: patient_row(r, conditions.get(id(r))))
    for entry in by_type.get("Procedure", []):

        def procedure(resource):
            patient = resolver.get(resource.get("subject"), "Patient", "subject")
            row = session_row(resource, patient_mrn(patient))
            sessions[id(resource)] = (row["mrn"], row["performed_on"])
            return row

        _row(rows[SESSIONS], errors, entry, procedure)
    reviews, explained = [], set()  # (mrn, day, course state) a review's decision set
    for entry in by_type.get("ClinicalImpression", []):

        def review(resource):
            patient = resolver.get(resource.get("subject"), "Patient", "subject")
            row = review_row(resource, patient_mrn(patient))
            state = COURSE_AFTER.get(row["decision"])
            explained.add((row["mrn"], row["reviewed_on"], state))
            return row

        _row(reviews, errors, entry, review)
    states, restarts = [], []
    for entry in by_type.get("EpisodeOfCare", []):

        def course_state(resource):
            patient = resolver.get(resource.get("patient"), "Patient", "patient")
            return course_state_row(resource, patient_mrn(patient))

        _row(states, errors, entry, course_state)
    for where, row in states:
        if (row["mrn"], row["since"], row["state"]) in explained:
            continue  # set by its review's decision, which is imported
        if row["state"] == CourseStatus.ACTIVE and row["started_on"] == row["since"]:
            restarts.append((where, row))
        else:
            errors.append(
                f"{where}: a course {row['state']} since {row['since'] or '(no day)'} that no "
                "review in the file decided, and not a restart."
            )
    for entry in by_type.get("MedicationAdministration", []):
        for part in entry.resource.get("partOf", []):
            _row([], errors, entry, lambda r, part=part: resolver.get(part, "Procedure", "partOf"))
        _row([], errors, entry, lambda r: resolver.get(r.get("subject"), "Patient", "subject"))
    for entry in by_type.get("AdverseEvent", []):

        def adverse(resource):
            patient = resolver.get(resource.get("subject"), "Patient", "subject")
            suspect = (resource.get("suspectEntity") or [{}])[0].get("instance")
            session = resolver.get(suspect, "Procedure", "suspectEntity")
            if id(session) not in sessions:
                raise RowError("its Procedure could not be read.")
            return adverse_event_row(resource, patient_mrn(patient), sessions[id(session)][1])

        _row(rows[ADVERSE_EVENTS], errors, entry, adverse)
    for entry in by_type.get("Appointment", []):
        _row(rows[APPOINTMENTS], errors, entry, lambda r: appointment_row(r, resolver))
    if errors:
        return Outcome(errors=errors, dry_run=dry_run)
    timeline = sorted(  # as they happened: a restart before that day's session, then reviews
        [(row["since"], 0, RESTARTS, where, row) for where, row in restarts]
        + [(row["performed_on"], 1, SESSIONS, where, row) for where, row in rows.pop(SESSIONS)]
        + [(row["reviewed_on"], 2, REVIEWS, where, row) for where, row in reviews],
        key=lambda event: event[:2],
    )
    batches = [
        (PATIENTS, rows.pop(PATIENTS)),
        *((kind, [(where, row)]) for _, _, kind, where, row in timeline),
        *rows.items(),
    ]
    return import_rows(batches, by=by, dry_run=dry_run)


def _row(rows: list, errors: list[str], entry: Entry, build) -> None:
    try:
        rows.append((entry.where, build(entry.resource)))
    except (RowError, ValidationError) as error:
        errors.append(
            f"{entry.where}: {error}"
            if isinstance(error, RowError)
            else f"{entry.where}: {'; '.join(error.messages)}"
        )
