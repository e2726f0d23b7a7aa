"""Likely duplicates of a patient being registered: the same date of birth and a similar name
(trigram similarity, or equal once accents and punctuation are gone), or the same phone number
or email address. Each test uses an index (patients.models.Patient.Meta.indexes)."""

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q, Value
from django.db.models.functions import Concat

from patients.models import (
    LOWER_EMAIL,
    REVERSED_PHONE_DIGITS,
    Patient,
    SearchText,
    phone_key,
    search_text,
)

SIMILAR_NAME = 0.4  # trigram similarity of "given family", unaccented: "Jon Smith" ~ "John Smith"
SHOWN = 5


def likely_duplicates(patient: Patient) -> list[Patient]:
    """Existing patients who may be `patient` (unsaved, or saved: then not itself)."""
    name = search_text(f"{patient.given_name} {patient.family_name}")
    plain_name = SearchText(Concat("given_name", Value(" "), "family_name"))
    matches = Q(date_of_birth=patient.date_of_birth) & (
        Q(plain_name=name) | Q(similarity__gt=SIMILAR_NAME)
    )
    phone = phone_key(patient.phone)
    if phone:
        matches |= Q(reversed_phone__startswith=phone)
    if patient.email:
        matches |= Q(lower_email=patient.email.lower())
    found = (
        Patient.objects.annotate(
            plain_name=plain_name,
            similarity=TrigramSimilarity(plain_name, name),
            reversed_phone=REVERSED_PHONE_DIGITS,
            lower_email=LOWER_EMAIL,
        )
        .filter(matches)
        .exclude(pk=patient.pk)
        .exclude(status=Patient.Status.MERGED)  # the record it was merged into is listed
        .order_by("-similarity", "family_name")
    )
    return list(found[:SHOWN])
