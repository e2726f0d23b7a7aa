"""Patients' sections of the home pages: recently updated patients, referrals to book."""

from clinic.sections import Section
from patients.models import Patient

RECENT = 10
REFERRALS = 20


def recent_patients(*, request, today) -> list[Section]:
    recent = Patient.objects.order_by("-updated_at")[:RECENT]
    return [
        Section(
            "Recently updated patients",
            "patients/partials/recent_patients.html",
            {"recent_patients": recent},
        )
    ]


def referrals(*, request, today) -> list[Section]:
    referred = Patient.objects.filter(status=Patient.Status.REFERRED).order_by("registered_on")
    return [
        Section(
            "New referrals to book",
            "patients/partials/referrals.html",
            {"referred": referred[:REFERRALS], "count": referred.count()},
        )
    ]
