"""Our records as FHIR R4 resources, each validated by `fhir.resources` (R4 4.0.1) as built.

One `ResourceType` per type the API serves: how it is read, searched and built. Types kept in
tables page in the database (a count and a page of rows); Observations are computed from the
diary (`reviews.progress`, whose numbers are `diaries.metrics`') and the reviews' scores.
Reviews are ClinicalImpressions; each state a patient's course was set to (the course state's
history: by a review's decision, or a restart) is an EpisodeOfCare.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from fhir.resources import construct_fhir_element

from fhir_api import codes
from fhir_api.access import Reader
from fhir_api.outcomes import FhirError, invalid, not_found
from fhir_api.search import Page, check_names, dates, reference_id, token
from patients.models import Patient, SearchText, search_text
from reviews.models import Review
from reviews.models.reviews import hit6_band, midas_grade
from reviews.progress import Window, progress_for_patients
from scheduling.courses import NOT_STARTED, effective_status
from scheduling.models import Appointment, CourseState, CourseStatus
from treatments.models import AdverseEvent, InjectedSite, InjectionSession
from treatments.models.protocols import format_units

EXPORT_BATCH = 500  # rows (or patients, for Observations) read at a time by a bulk export


def validated(resource: dict) -> dict:
    """With `settings.FHIR_VALIDATE`, the resource as the FHIR library reads and writes it
    back: anything that is not valid R4 raises here instead of being served. Without it (in
    production: the library takes ~10 ms for a session's Procedure), the resource as built,
    which the tests validate for every type."""
    if not settings.FHIR_VALIDATE:
        return resource
    model = construct_fhir_element(resource["resourceType"], resource)
    return json.loads(model.json())


def patient_reference(patient_id: int) -> dict:
    return {"reference": f"Patient/{patient_id}"}


def person(user) -> dict:
    """A clinician, named and identified by login name (we serve no Practitioner resources)."""
    return {
        "identifier": {"system": codes.USER_SYSTEM, "value": user.get_username()},
        "display": user.get_full_name() or user.get_username(),
    }


def units_quantity(units) -> dict:
    return {"value": float(units), "unit": "U", "system": codes.UCUM_SYSTEM, "code": "[U]"}


def instant(moment) -> str:
    return timezone.localtime(moment).isoformat()


# -- builders ----------------------------------------------------------------------------------


def patient_resource(patient: Patient) -> dict:
    identifiers = [
        {"use": "usual", "system": codes.MRN_SYSTEM, "value": patient.mrn},
    ]
    if patient.national_id_kind == Patient.NationalIdKind.NHS:
        identifiers.append(
            {"use": "official", "system": codes.NHS_NUMBER_SYSTEM, "value": patient.national_id}
        )
    elif patient.national_id:
        identifiers.append(
            {
                "use": "official",
                "type": {"text": "National identifier"},
                "value": patient.national_id,
            }
        )
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": identifiers,
        "active": patient.status != Patient.Status.DISCHARGED,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,  # our four values are FHIR's administrative genders
        "birthDate": patient.date_of_birth.isoformat(),
        "extension": [
            {
                "url": codes.PATIENT_EXTENSION,
                "extension": [
                    {"url": "registeredOn", "valueDate": patient.registered_on.isoformat()},
                    {"url": "status", "valueCode": patient.status},
                ],
            }
        ],
    }
    if telecom:
        resource["telecom"] = telecom
    if patient.address:
        resource["address"] = [{"text": patient.address}]
    return resource


def condition_resource(patient: Patient) -> dict:
    """The primary diagnosis: one Condition per patient, with the patient's id."""
    resource = {
        "resourceType": "Condition",
        "id": str(patient.pk),
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {
            "coding": [{"system": codes.CONDITION_VERIFICATION, "code": "confirmed"}]
        },
        "category": [
            {"coding": [{"system": codes.CONDITION_CATEGORY, "code": "problem-list-item"}]}
        ],
        "code": codes.diagnosis_concept(patient.primary_diagnosis),
        "subject": patient_reference(patient.pk),
    }
    if patient.diagnosis_date:
        resource["recordedDate"] = patient.diagnosis_date.isoformat()
    return resource


def medication(session: InjectionSession) -> dict:
    """The product and its vial's lot, contained in the session's resources."""
    return {
        "resourceType": "Medication",
        "id": "product",
        "code": {"text": session.get_product_display()},
        "batch": {
            "lotNumber": session.lot_number,
            "expirationDate": session.lot_expiry.isoformat(),
        },
    }


def session_time(session: InjectionSession) -> str:
    injected = session.injected_at
    return instant(injected) if injected else session.performed_on.isoformat()


def procedure_resource(session: InjectionSession) -> dict:
    given = [site for site in session.sites.all() if not site.skipped]
    resource = {
        "resourceType": "Procedure",
        "id": str(session.pk),
        "contained": [medication(session)],
        "status": "completed",
        "code": codes.BOTULINUM_INJECTION,
        "subject": patient_reference(session.patient_id),
        "performedDateTime": session_time(session),
        "performer": [{"actor": person(session.injector)}],
        "reasonCode": [codes.diagnosis_concept(session.indication)],
        "usedReference": [{"reference": "#product"}],
        "note": [{"text": f"Cycle {session.number}: {format_units(session.units_given)} U."}],
    }
    resource["extension"] = [session_extension(session)]
    if given:
        resource["bodySite"] = [body_site(site) for site in given]
        resource["note"].append(
            {
                "text": "; ".join(
                    f"{codes.site_concept(s.muscle_group, s.side)['text']}: "
                    f"{format_units(s.units)} U"
                    for s in given
                )
            }
        )
    return resource


def session_extension(session: InjectionSession) -> dict:
    """What the session was recorded with beyond FHIR's fields: enough to record it again
    (`records_in.fhir_in`): the protocol, the vials, the dilution, the reconstitution, why
    it was early."""
    parts = [
        {"url": "protocol", "valueString": session.protocol.name},
        {"url": "unitsGiven", "valueDecimal": float(session.units_given)},
        {"url": "vialSize", "valueInteger": session.vial_size},
        {"url": "vialsUsed", "valueInteger": session.vials_used},
        {"url": "dilution", "valueDecimal": float(session.dilution)},
        {"url": "reconstitutedAt", "valueDateTime": instant(session.reconstituted_at)},
    ]
    if session.early_reason:
        parts.append({"url": "earlyReason", "valueString": session.early_reason})
    return {"url": codes.SESSION_EXTENSION, "extension": parts}


def body_site(site: InjectedSite) -> dict:
    """A site given: its muscle and side, its units, and its protocol site (none for a
    follow-the-pain site)."""
    extension = [{"url": codes.SITE_UNITS_EXTENSION, "valueQuantity": units_quantity(site.units)}]
    if site.protocol_site_id:
        extension.append(
            {"url": codes.PROTOCOL_SITE_EXTENSION, "valueString": site.protocol_site.code}
        )
    return {"extension": extension, **codes.site_concept(site.muscle_group, site.side)}


def medication_administration_resource(session: InjectionSession) -> dict:
    return {
        "resourceType": "MedicationAdministration",
        "id": str(session.pk),
        "contained": [medication(session)],
        "status": "completed",
        "medicationReference": {"reference": "#product"},
        "subject": patient_reference(session.patient_id),
        "partOf": [{"reference": f"Procedure/{session.pk}"}],
        "effectiveDateTime": session_time(session),
        "performer": [{"actor": person(session.injector)}],
        "reasonCode": [codes.diagnosis_concept(session.indication)],
        "dosage": {
            "route": {"coding": [codes.INTRAMUSCULAR]},
            "dose": units_quantity(session.units_given),
        },
    }


ADVERSE_EVENT_OUTCOME = {
    AdverseEvent.Outcome.ONGOING: "ongoing",
    AdverseEvent.Outcome.RESOLVED: "resolved",
    AdverseEvent.Outcome.RESOLVED_WITH_SEQUELAE: "resolvedWithSequelae",
    AdverseEvent.Outcome.UNKNOWN: "unknown",
}


def adverse_event_resource(event: AdverseEvent) -> dict:
    hl7 = "http://terminology.hl7.org/CodeSystem"
    resource = {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "actuality": "actual",
        "event": {
            "coding": [
                {
                    "system": codes.ADVERSE_EVENT_SYSTEM,
                    "code": event.kind,
                    "display": event.get_kind_display(),
                }
            ],
            "text": str(event),
        },
        "subject": patient_reference(event.session.patient_id),
        "date": event.onset_on.isoformat(),
        "recordedDate": instant(event.recorded_at),
        "seriousness": {
            "coding": [
                {
                    "system": f"{hl7}/adverse-event-seriousness",
                    "code": "serious" if event.serious else "non-serious",
                }
            ]
        },
        "severity": {
            "coding": [{"system": f"{hl7}/adverse-event-severity", "code": event.severity}]
        },
        "outcome": {
            "coding": [
                {
                    "system": f"{hl7}/adverse-event-outcome",
                    "code": ADVERSE_EVENT_OUTCOME[event.outcome],
                }
            ]
        },
        "suspectEntity": [{"instance": {"reference": f"Procedure/{event.session_id}"}}],
    }
    return resource


APPOINTMENT_STATUS = {
    Appointment.Status.BOOKED: "booked",
    Appointment.Status.ARRIVED: "arrived",
    Appointment.Status.COMPLETED: "fulfilled",
    Appointment.Status.CANCELLED: "cancelled",
    Appointment.Status.NO_SHOW: "noshow",
}


def appointment_resource(appointment: Appointment) -> dict:
    resource = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "status": APPOINTMENT_STATUS[appointment.status],
        "serviceType": [{"text": appointment.get_kind_display()}],
        "description": appointment.get_kind_display(),
        "start": instant(appointment.starts_at),
        "end": instant(appointment.ends_at),
        "created": timezone.localtime(appointment.created_at).date().isoformat(),
        "participant": [
            {"actor": patient_reference(appointment.patient_id), "status": "accepted"},
            {"actor": person(appointment.clinician), "status": "accepted"},
        ],
    }
    if appointment.cancellation_reason:
        resource["cancelationReason"] = {"text": appointment.cancellation_reason}
    return resource


# -- Observations ------------------------------------------------------------------------------

SURVEY = [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey"}]}]
UNKNOWN = {"coding": [{"system": codes.DATA_ABSENT, "code": "unknown"}]}
WINDOW_MEASURES = (
    "headache_days_per_28",
    "migraine_days_per_28",
    "moderate_severe_days_per_28",
    "acute_medication_days_per_28",
    "coverage",
)


def diary_window_resource(patient_id: int, index: int, window: Window) -> dict:
    """A diary window (0 the baseline, then each cycle) and its measures, rounded as every page
    shows them (`Window.summary`); a measure that cannot be known has a dataAbsentReason."""
    shown = window.summary()
    components = []
    for name in WINDOW_MEASURES:
        component = {"code": codes.measure_concept(name)}
        value = shown[name]
        if value is None:
            component["dataAbsentReason"] = UNKNOWN
        else:
            unit = codes.PERCENT_UNIT if name == "coverage" else codes.PER_28_UNIT
            component["valueQuantity"] = {"value": float(value), **unit}
        components.append(component)
    resource = {
        "resourceType": "Observation",
        "id": f"diary-{patient_id}-{index}",
        "status": "final" if window.complete else "preliminary",
        "category": SURVEY,
        "code": {**codes.measure_concept(codes.DIARY_WINDOW), "text": window.label},
        "subject": patient_reference(patient_id),
        "effectivePeriod": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "component": components,
    }
    if window.reported:
        resource["note"] = [{"text": "Reported at the consultation: headache days a month."}]
    elif shown["days_in_window"]:
        resource["note"] = [
            {"text": f"Logged on {shown['days_logged']} of {shown['days_in_window']} days."}
        ]
    return resource


def score_resource(review: Review, name: str) -> dict:
    total = getattr(review, name)
    band = midas_grade(total) if name == "midas" else hit6_band(total)
    return {
        "resourceType": "Observation",
        "id": f"{name}-{review.pk}",
        "status": "final",
        "category": SURVEY,
        "code": codes.measure_concept(name),
        "subject": patient_reference(review.patient_id),
        "effectiveDateTime": review.reviewed_on.isoformat(),
        "valueQuantity": {"value": total, **codes.SCORE_UNIT},
        "interpretation": [{"text": band}],
    }


def clinical_impression_resource(review: Review) -> dict:
    """A review: the decision (our review-decision code) and the verdict the rules suggested
    then (a finding), the reason, its scores (the Observations), by whom and on which day."""
    decision = codes.decision_coding(review.decision)
    parts = [{"url": "decision", "valueCoding": decision}]
    if review.resume_on:
        parts.append({"url": "resumeOn", "valueDate": review.resume_on.isoformat()})
    scores = []
    for name in ("midas", "hit6"):
        if getattr(review, name) is not None:
            parts.append({"url": name, "valueInteger": getattr(review, name)})
            scores.append({"reference": f"Observation/{name}-{review.pk}"})
    summary = decision["display"]
    if review.resume_on:
        summary += f" until {review.resume_on:%-d %b %Y}"
    resource = {
        "resourceType": "ClinicalImpression",
        "id": str(review.pk),
        "extension": [{"url": codes.REVIEW_EXTENSION, "extension": parts}],
        "status": "completed",
        "code": codes.BOTULINUM_REVIEW,
        "subject": patient_reference(review.patient_id),
        "date": review.reviewed_on.isoformat(),
        "assessor": person(review.reviewed_by),
        "summary": f"{summary}: {review.reason}" if review.reason else summary,
    }
    if review.suggested_verdict:
        finding = codes.verdict_concept(review.suggested_verdict)
        resource["finding"] = [{"itemCodeableConcept": finding, "basis": "Suggested verdict"}]
    if scores:
        resource["investigation"] = [{"code": {"text": "MIDAS and HIT-6"}, "item": scores}]
    if review.reason:
        resource["note"] = [{"text": review.reason}]
    return resource


EPISODE_STATUS = {
    CourseStatus.ACTIVE: "active",
    CourseStatus.PAUSED: "onhold",
    CourseStatus.STOPPED: "finished",
    NOT_STARTED: "planned",
}


def episode_of_care_resource(state, today: date) -> dict:
    """A state the course was set to (a row of the course state's history, with `ended_on`,
    the day the next state began, and `in_course`, whether a session came in its course):
    its type is the state recorded; its status where it stands as of `today` (finished once
    the next state began, a pause once its resume date came, or the patient was discharged)."""
    period = {"start": state.since.isoformat()}
    status = effective_status(state.status, state.resume_on, int(state.in_course), today)
    pause_over = state.status == CourseStatus.PAUSED and status != CourseStatus.PAUSED
    if state.ended_on is not None:
        period["end"] = state.ended_on.isoformat()
    elif pause_over:
        period["end"] = state.resume_on.isoformat()
    ended = state.ended_on is not None or pause_over or state.discharged
    parts = []
    if state.started_on:
        parts.append({"url": "courseStartedOn", "valueDate": state.started_on.isoformat()})
    if state.resume_on:
        parts.append({"url": "resumeOn", "valueDate": state.resume_on.isoformat()})
    if state.reason:
        parts.append({"url": "reason", "valueString": state.reason})
    resource = {
        "resourceType": "EpisodeOfCare",
        "id": str(state.pk),
        "status": "finished" if ended else EPISODE_STATUS[status],
        "type": [codes.course_state_concept(state.status)],
        "patient": patient_reference(state.patient_id),
        "period": period,
        "careManager": person(state.changed_by),
    }
    if parts:
        resource["extension"] = [{"url": codes.COURSE_STATE_EXTENSION, "extension": parts}]
    return resource


@dataclass(frozen=True)
class Found:
    """A resource, its patient (for the audit trail) and the dates searches compare."""

    resource: dict
    patient_id: int | None
    start: date | None = None
    end: date | None = None


# -- the types ---------------------------------------------------------------------------------


def patient_filters(rows: QuerySet, params) -> QuerySet:
    """identifier (an MRN or an NHS number, with or without its system), name (the start of
    the given or family name, without regard to case or accents), birthdate."""
    for text in params.getlist("identifier"):
        system, value = token(text)
        matches = Q(pk__in=[])
        if system in (None, codes.MRN_SYSTEM):
            matches |= Q(mrn=value.upper())
        if system in (None, codes.NHS_NUMBER_SYSTEM):
            nhs_number = value.replace(" ", "")
            matches |= Q(national_id_kind=Patient.NationalIdKind.NHS, national_id=nhs_number)
        rows = rows.filter(matches)
    names = params.getlist("name")
    if names:
        rows = rows.alias(family=SearchText("family_name"), given=SearchText("given_name"))
    for text in names:
        start = search_text(text.strip())
        rows = rows.filter(Q(family__startswith=start) | Q(given__startswith=start))
    for when in dates(params, "birthdate"):
        rows = rows.filter(when.q("date_of_birth"))
    return rows


@dataclass
class ModelType:
    """A resource type kept in a table: a row per resource, searched and paged in SQL."""

    name: str
    rows: Callable[[], QuerySet]
    build: Callable[[object], dict]
    patient_field: str  # the column holding the patient's id
    patient_of: Callable[[object], int]
    date_field: str | None = None  # the `date` search parameter's column
    search_params: dict[str, str] = field(default_factory=dict)  # name: FHIR type
    filters: Callable[[QuerySet, object], QuerySet] | None = None
    dated: bool = False  # `build(row, today)`: where the resource stands depends on the day

    def __post_init__(self):
        self.search_params = {"_id": "token", **self.search_params}

    def scoped(self, reader: Reader) -> QuerySet:
        rows = self.rows()
        if reader.patient_ids is not None:
            rows = rows.filter(**{f"{self.patient_field}__in": reader.patient_ids})
        return rows

    def every(self, patient_ids: list[int] | None, today: date) -> Iterator[dict]:
        """Every resource of these patients (None: everyone), for a bulk export."""
        rows = self.rows()
        if patient_ids is not None:
            rows = rows.filter(**{f"{self.patient_field}__in": patient_ids})
        for row in rows.iterator(chunk_size=EXPORT_BATCH):
            yield self.resource(row, today)

    def resource(self, row, today: date) -> dict:
        return validated(self.build(row, today) if self.dated else self.build(row))

    def found(self, row, today: date) -> Found:
        return Found(self.resource(row, today), self.patient_of(row))

    def read(self, reader: Reader, resource_id: str, today: date) -> Found:
        if not resource_id.isdigit() or len(resource_id) > 12:
            raise not_found(f"{self.name}/{resource_id}")
        row = self.scoped(reader).filter(pk=int(resource_id)).first()
        if row is None:
            raise not_found(f"{self.name}/{resource_id}")
        return self.found(row, today)

    def search(self, reader: Reader, params, page: Page, today: date) -> tuple[int, list[Found]]:
        check_names(params, set(self.search_params), self.name)
        rows = self.scoped(reader)
        for text in params.getlist("_id"):
            ids = [int(value) for value in text.split(",") if value.isdigit() and len(value) <= 12]
            rows = rows.filter(pk__in=ids)
        if "patient" in params:
            ids = [reference_id("patient", text) for text in params.getlist("patient")]
            refuse_other_patients(reader, ids)
            rows = rows.filter(**{f"{self.patient_field}__in": ids})
        if self.date_field:
            for when in dates(params, "date"):
                rows = rows.filter(when.q(self.date_field))
        if self.filters:
            rows = self.filters(rows, params)
        total = rows.count()
        page_rows = rows[page.offset : page.offset + page.count]
        return total, [self.found(row, today) for row in page_rows]


def refuse_other_patients(reader: Reader, ids: list[int]) -> None:
    if reader.patient_ids is not None and set(ids) - set(reader.patient_ids):
        raise FhirError(403, "forbidden", "A patient may read only their own records.")


class ObservationType:
    """Observations computed for one patient: a diary window each (`reviews.progress`), and the
    MIDAS and HIT-6 totals of each review. A search needs the patient."""

    name = "Observation"
    search_params = {"patient": "reference", "date": "date", "code": "token"}

    def observations(self, patient_ids: list[int], today: date) -> dict[int, list[Found]]:
        """Every Observation of these patients, in a fixed number of queries."""
        progress = progress_for_patients(patient_ids, today)
        found = {
            patient_id: [
                Found(
                    validated(diary_window_resource(patient_id, index, window)),
                    patient_id,
                    window.start,
                    window.end,
                )
                for index, window in enumerate(progress[patient_id].windows)
            ]
            for patient_id in patient_ids
        }
        reviews = Review.objects.filter(patient_id__in=patient_ids).order_by("reviewed_on", "pk")
        for review in reviews:
            for name in ("midas", "hit6"):
                if getattr(review, name) is not None:
                    resource = validated(score_resource(review, name))
                    on = review.reviewed_on
                    found[review.patient_id].append(Found(resource, review.patient_id, on, on))
        return found

    def patient_observations(self, patient: Patient, today: date) -> list[Found]:
        return self.observations([patient.pk], today)[patient.pk]

    def every(self, patient_ids: list[int] | None, today: date) -> Iterator[dict]:
        """Every Observation of these patients (None: everyone), for a bulk export."""
        patients = Patient.objects.order_by("pk").values_list("pk", flat=True)
        if patient_ids is not None:
            patients = patients.filter(pk__in=patient_ids)
        ids = list(patients)
        for start in range(0, len(ids), EXPORT_BATCH):
            for found in self.observations(ids[start : start + EXPORT_BATCH], today).values():
                yield from (item.resource for item in found)

    def patient(self, reader: Reader, patient_id: int) -> Patient | None:
        patients = Patient.objects.filter(pk=patient_id)
        if reader.patient_ids is not None:
            patients = patients.filter(pk__in=reader.patient_ids)
        return patients.first()

    def read(self, reader: Reader, resource_id: str, today: date) -> Found:
        kind, _, rest = resource_id.partition("-")
        patient_id = None
        if kind == "diary" and rest.count("-") == 1 and rest.replace("-", "").isdigit():
            patient_id = int(rest.split("-")[0])
        elif kind in ("midas", "hit6") and rest.isdigit() and len(rest) <= 12:
            reviews = Review.objects.filter(pk=int(rest))
            patient_id = reviews.values_list("patient_id", flat=True).first()
        patient = self.patient(reader, patient_id) if patient_id else None
        if patient is not None:
            for item in self.patient_observations(patient, today):
                if item.resource["id"] == resource_id:
                    return item
        raise not_found(f"Observation/{resource_id}")

    def search(self, reader: Reader, params, page: Page, today: date) -> tuple[int, list[Found]]:
        check_names(params, set(self.search_params), self.name)
        ids = [reference_id("patient", text) for text in params.getlist("patient")]
        if not ids and reader.patient is not None:
            ids = [reader.patient.pk]
        if len(ids) != 1:
            raise invalid("Search Observations of one patient: give patient=Patient/<id>.")
        refuse_other_patients(reader, ids)
        when = dates(params, "date")
        wanted = [token(text) for text in params.getlist("code")]
        patient = self.patient(reader, ids[0])
        found = self.patient_observations(patient, today) if patient else []
        found = [
            item
            for item in found
            if all(w.matches(item.start, item.end) for w in when)
            and all(code_matches(item.resource, system, code) for system, code in wanted)
        ]
        return len(found), found[page.offset : page.offset + page.count]


def code_matches(resource: dict, system: str | None, code: str) -> bool:
    return any(
        coding["code"] == code and system in (None, coding["system"])
        for coding in resource["code"]["coding"]
    )


def sessions():
    return (
        InjectionSession.objects.select_related("injector", "protocol")
        .prefetch_related(
            Prefetch(
                "sites",
                InjectedSite.objects.select_related("protocol_site").order_by(
                    "protocol_site__order", "id"
                ),
            )
        )
        .order_by("performed_on", "pk")
    )


def course_states() -> QuerySet:
    """Every state a course was set to (the course state's history, deletions left out),
    each with the day the next one began and whether a session came in its course: one
    query for a page, whatever its size."""
    history = CourseState.history.model
    kept = history.objects.exclude(history_type="-")
    later = kept.filter(patient_id=OuterRef("patient_id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    sessions = InjectionSession.objects.filter(patient_id=OuterRef("patient_id"))
    in_course = Exists(sessions.filter(performed_on__gte=OuterRef("started_on"))) | (
        Q(started_on__isnull=True) & Exists(sessions)
    )
    return (
        kept.select_related("changed_by")
        .annotate(
            ended_on=Subquery(later.order_by("history_date", "history_id").values("since")[:1]),
            in_course=in_course,
            discharged=Q(patient__status=Patient.Status.DISCHARGED),
        )
        .order_by("since", "history_id")
    )


SESSION_PARAMS = {"patient": "reference", "date": "date"}

TYPES = {
    "Patient": ModelType(
        "Patient",
        lambda: Patient.objects.order_by("pk"),
        patient_resource,
        "pk",
        lambda patient: patient.pk,
        search_params={"identifier": "token", "name": "string", "birthdate": "date"},
        filters=patient_filters,
    ),
    "Condition": ModelType(
        "Condition",
        lambda: Patient.objects.order_by("pk"),
        condition_resource,
        "pk",
        lambda patient: patient.pk,
        search_params={"patient": "reference"},
    ),
    "Procedure": ModelType(
        "Procedure",
        sessions,
        procedure_resource,
        "patient_id",
        lambda session: session.patient_id,
        "performed_on",
        SESSION_PARAMS,
    ),
    "MedicationAdministration": ModelType(
        "MedicationAdministration",
        lambda: InjectionSession.objects.select_related("injector").order_by("performed_on", "pk"),
        medication_administration_resource,
        "patient_id",
        lambda session: session.patient_id,
        "performed_on",
        SESSION_PARAMS,
    ),
    "AdverseEvent": ModelType(
        "AdverseEvent",
        lambda: AdverseEvent.objects.select_related("session").order_by("onset_on", "pk"),
        adverse_event_resource,
        "session__patient_id",
        lambda event: event.session.patient_id,
        "onset_on",
        SESSION_PARAMS,
    ),
    "Appointment": ModelType(
        "Appointment",
        lambda: Appointment.objects.select_related("clinician").order_by("starts_at", "pk"),
        appointment_resource,
        "patient_id",
        lambda appointment: appointment.patient_id,
        "starts_at__date",
        SESSION_PARAMS,
    ),
    "ClinicalImpression": ModelType(
        "ClinicalImpression",
        lambda: Review.objects.select_related("reviewed_by").order_by("reviewed_on", "pk"),
        clinical_impression_resource,
        "patient_id",
        lambda review: review.patient_id,
        "reviewed_on",
        SESSION_PARAMS,
    ),
    "EpisodeOfCare": ModelType(
        "EpisodeOfCare",
        course_states,
        episode_of_care_resource,
        "patient_id",
        lambda state: state.patient_id,
        "since",
        SESSION_PARAMS,
        dated=True,
    ),
    "Observation": ObservationType(),
}
