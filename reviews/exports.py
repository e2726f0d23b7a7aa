"""Reviews in the patient's records archive."""


def review_rows(patient) -> dict[str, list]:
    return {"reviews": list(patient.reviews.order_by("reviewed_on").values())}
