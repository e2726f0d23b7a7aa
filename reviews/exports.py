"""Reviews in the patient's records archive."""

from patients.data_export import readable


def review_rows(patient) -> dict[str, list]:
    return {"Reviews": readable(patient.reviews.order_by("reviewed_on"))}
