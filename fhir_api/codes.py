"""Every code the FHIR API emits, in one place (docs/fhir.md lists them).

Standard code systems where a code exists and we could check it (ICD-10, SNOMED CT, UCUM,
HL7's own); our code system, under `OUR_CODES`, for what has no standard code: the diary's
measures, the MIDAS and HIT-6 totals, injection sites, the diagnoses themselves, review
decisions and verdicts, course states.
"""

from patients.models import Diagnosis
from reviews.models import Decision, Verdict
from scheduling.models import CourseStatus
from treatments.models import MuscleGroup, Side

FHIR_VERSION = "4.0.1"
MIME_TYPE = "application/fhir+json"

# Canonical URLs of our identifiers and code systems. They name concepts, not a server: they
# stay the same on every deployment of the clinic (docs/fhir.md).
OUR_BASE = "https://headache-clinic.example.org/fhir"
MRN_SYSTEM = f"{OUR_BASE}/identifier/mrn"
OUR_CODES = f"{OUR_BASE}/CodeSystem"
DIAGNOSIS_SYSTEM = f"{OUR_CODES}/diagnosis"
MEASURE_SYSTEM = f"{OUR_CODES}/measure"
SITE_SYSTEM = f"{OUR_CODES}/injection-site"
PROCEDURE_SYSTEM = f"{OUR_CODES}/procedure"
ADVERSE_EVENT_SYSTEM = f"{OUR_CODES}/side-effect"
REVIEW_DECISION_SYSTEM = f"{OUR_CODES}/review-decision"
VERDICT_SYSTEM = f"{OUR_CODES}/verdict"
COURSE_STATE_SYSTEM = f"{OUR_CODES}/course-state"
USER_SYSTEM = f"{OUR_BASE}/identifier/username"  # a clinician: their login name
# Our extensions: what a session needs to be recorded again elsewhere (records_in imports it).
OUR_EXTENSIONS = f"{OUR_BASE}/StructureDefinition"
SESSION_EXTENSION = f"{OUR_EXTENSIONS}/injection-session"  # on a Procedure
PATIENT_EXTENSION = f"{OUR_EXTENSIONS}/clinic-patient"  # on a Patient
SITE_UNITS_EXTENSION = f"{OUR_EXTENSIONS}/site-units"  # on a bodySite: valueQuantity
PROTOCOL_SITE_EXTENSION = f"{OUR_EXTENSIONS}/protocol-site"  # on a bodySite: valueString
REVIEW_EXTENSION = f"{OUR_EXTENSIONS}/review"  # on a ClinicalImpression
COURSE_STATE_EXTENSION = f"{OUR_EXTENSIONS}/course-state"  # on an EpisodeOfCare

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"  # WHO ICD-10, as the NHS codes
SNOMED_SYSTEM = "http://snomed.info/sct"
UCUM_SYSTEM = "http://unitsofmeasure.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ROUTE_SYSTEM = SNOMED_SYSTEM
INTRAMUSCULAR = {"system": SNOMED_SYSTEM, "code": "78421000", "display": "Intramuscular route"}

# The primary diagnosis: (ICD-10 code, its WHO title) and (SNOMED CT concept, its term).
# Chronic migraine is G43.3 as ICHD-3 codes it in ICD-10 (WHO title "Complicated migraine");
# SNOMED CT's international release has no chronic or high-frequency episodic migraine we
# could verify, so both carry "Migraine". "Other" has no standard code: ours alone.
DIAGNOSIS_CODES = {
    Diagnosis.CHRONIC_MIGRAINE: (("G43.3", "Complicated migraine"), ("37796009", "Migraine")),
    Diagnosis.EPISODIC_MIGRAINE: (("G43.9", "Migraine, unspecified"), ("37796009", "Migraine")),
    Diagnosis.TENSION_TYPE: (
        ("G44.2", "Tension-type headache"),
        ("398057008", "Tension-type headache"),
    ),
    Diagnosis.CLUSTER: (
        ("G44.0", "Cluster headache syndrome"),
        ("193031009", "Cluster headache syndrome"),
    ),
    Diagnosis.OTHER: (None, None),
}


def diagnosis_concept(diagnosis: str) -> dict:
    """A CodeableConcept of a primary diagnosis: ours, then ICD-10 and SNOMED CT if any."""
    label = Diagnosis(diagnosis).label
    codings = [{"system": DIAGNOSIS_SYSTEM, "code": diagnosis, "display": label}]
    icd10, snomed = DIAGNOSIS_CODES[diagnosis]
    if icd10:
        codings.append({"system": ICD10_SYSTEM, "code": icd10[0], "display": icd10[1]})
    if snomed:
        codings.append({"system": SNOMED_SYSTEM, "code": snomed[0], "display": snomed[1]})
    return {"coding": codings, "text": label}


# Our measures: the diary window's rates per 28 days and coverage, and the review's scores.
# No LOINC code was used: we found none we could verify for these (docs/fhir.md).
DIARY_WINDOW = "diary-window"
MEASURES = {
    DIARY_WINDOW: "Headache diary window",
    "headache_days_per_28": "Headache days per 28 days",
    "migraine_days_per_28": "Migraine days per 28 days",
    "moderate_severe_days_per_28": "Moderate or severe headache days per 28 days",
    "acute_medication_days_per_28": "Acute medication days per 28 days",
    "coverage": "Diary coverage (days logged of days in the window)",
    "midas": "MIDAS total score",
    "hit6": "HIT-6 total score",
}
PER_28_UNIT = {"unit": "days per 28 days", "system": UCUM_SYSTEM, "code": "d/(28.d)"}
PERCENT_UNIT = {"unit": "%", "system": UCUM_SYSTEM, "code": "%"}
SCORE_UNIT = {"unit": "score", "system": UCUM_SYSTEM, "code": "{score}"}


def measure_concept(name: str) -> dict:
    return {"coding": [{"system": MEASURE_SYSTEM, "code": name, "display": MEASURES[name]}]}


def site_concept(muscle_group: str, side: str) -> dict:
    """An injection site: muscle group and side, as the session records them."""
    label = f"{MuscleGroup(muscle_group).label}, {Side(side).label.lower()}"
    code = f"{muscle_group}-{side}"
    return {"coding": [{"system": SITE_SYSTEM, "code": code, "display": label}], "text": label}


BOTULINUM_INJECTION = {
    "coding": [
        {
            "system": PROCEDURE_SYSTEM,
            "code": "botulinum-toxin-injection",
            "display": "Botulinum toxin injection session",
        }
    ]
}


BOTULINUM_REVIEW = {
    "coding": [
        {
            "system": PROCEDURE_SYSTEM,
            "code": "botulinum-toxin-review",
            "display": "Review of botulinum toxin treatment",
        }
    ]
}


def decision_coding(decision: str) -> dict:
    label = str(Decision(decision).label)  # a translatable label: the text, not the promise
    return {"system": REVIEW_DECISION_SYSTEM, "code": decision, "display": label}


def verdict_concept(verdict: str) -> dict:
    label = str(Verdict(verdict).label)
    return {
        "coding": [{"system": VERDICT_SYSTEM, "code": verdict, "display": label}],
        "text": label,
    }


def course_state_concept(status: str) -> dict:
    label = str(CourseStatus(status).label)
    coding = {"system": COURSE_STATE_SYSTEM, "code": status, "display": label}
    return {"coding": [coding], "text": label}


def our_code(concept: dict | None, system: str) -> str:
    """The code a CodeableConcept (or Coding) has in one of our systems, or ""."""
    concept = concept or {}
    for coding in concept.get("coding", [concept]):
        if coding.get("system") == system:
            return coding.get("code", "")
    return ""
