"""Whose diary a request may see: the portal patient's own, or any patient's for a neurologist.

The same views serve both: portal URLs carry no patient id (the diary is always the logged-in
patient's); staff URLs under /patients/<id>/diary/ carry one and admit neurologists only
(front desk sees no diary detail).
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinic.roles import Role, user_role
from patients.access import own_patient, staff_patient
from patients.chart import patient_header
from patients.models import Patient


@dataclass(frozen=True)
class Diary:
    """The diary being shown, and who is looking at it."""

    patient: Patient
    staff: bool

    def url(self, name: str, **kwargs) -> str:
        """Reverse a diary URL in the portal or staff namespace, as fits the viewer."""
        if self.staff:
            return reverse(f"diary:{name}", kwargs={"patient_id": self.patient.pk, **kwargs})
        return reverse(f"portal:{name}", kwargs=kwargs)

    def day_url(self, day, entry=None) -> str:
        """Where tapping a day goes: its entry, or a new entry for that date."""
        if entry is not None:
            return self.url("day_edit", day_id=entry.pk)
        return f"{self.url('day_new')}?date={day.isoformat()}"

    @property
    def links(self) -> dict[str, str]:
        return {
            name: self.url(name)
            for name in ("calendar", "day_new", "medicines", "transfer", "export", "report")
        } | {"home": self.home_url}

    @property
    def home_url(self) -> str:
        if self.staff:
            return reverse("patients:chart", args=[self.patient.pk]) + "#diary"
        return reverse("portal:home")

    def context(self, **extra) -> dict:
        """Template context for a diary page: staff pages also get the patient header."""
        header = patient_header(self.patient) if self.staff else {"patient": self.patient}
        # Staff pages already have the patient's name as their h1.
        heading = "h2" if self.staff else "h1"
        return {"diary": self, "links": self.links, "heading": heading, **header, **extra}


def diary_view(view):
    """Call `view(request, diary, ...)` for the patient's own diary or a neurologist's patient."""

    @wraps(view)
    def wrapped(request, *args, patient_id: int | None = None, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = user_role(request.user)
        if patient_id is None and role == Role.PATIENT:
            diary = Diary(own_patient(request.user), staff=False)
        elif patient_id is not None and role == Role.NEUROLOGIST:
            diary = Diary(staff_patient(request, patient_id), staff=True)
        else:
            raise PermissionDenied("Your role does not give access to this diary.")
        return view(request, diary, *args, **kwargs)

    return wrapped
