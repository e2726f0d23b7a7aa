from django import forms
from django.contrib.auth import get_user_model

from clinic.form_tokens import OneTimeFormMixin
from clinic.forms import DateInput, StaffForm
from clinic.roles import GROUP_NAMES, Role
from patients.models import ClinicalFlag, Diagnosis, Eligibility, Patient, PriorPreventive

LIVE_STATUSES = [choice for choice in Patient.Status.choices if choice[0] != Patient.Status.MERGED]


class PatientForm(OneTimeFormMixin, StaffForm):
    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "preferred_contact",
            "language",
            "address",
            "national_id_kind",
            "national_id",
            "referring_clinician",
            "primary_diagnosis",
            "diagnosis_date",
            "status",
            "consent_date",
            "consent_taken_by",
            "notes",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "diagnosis_date": DateInput(),
            "consent_date": DateInput(),
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mrn"].required = False
        self.fields["status"].choices = LIVE_STATUSES  # merging sets MERGED (patients/merging.py)
        self.fields["consent_taken_by"].queryset = get_user_model().objects.filter(
            groups__name=GROUP_NAMES[Role.NEUROLOGIST]
        )
        self.fields[
            "primary_diagnosis"
        ].help_text = (
            "Only chronic migraine is a licensed indication; the others are marked off-label."
        )

    def clean_mrn(self):
        return self.cleaned_data["mrn"].strip().upper()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class NewPatientForm(PatientForm):
    """Registering: likely duplicates (`patients.duplicates`) must be confirmed as different."""

    different_person = forms.BooleanField(
        label="This is a different person from the patients listed above", required=False
    )


class PatientSearchForm(forms.Form):
    SORTS = {
        "name": ("family_name", "given_name"),
        "-name": ("-family_name", "-given_name"),
        "mrn": ("mrn",),
        "dob": ("date_of_birth",),
        "-registered": ("-registered_on", "family_name"),
    }
    q = forms.CharField(
        label="Name, MRN, phone, email or date of birth", required=False, max_length=100
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Patient.Status.choices], required=False
    )
    diagnosis = forms.ChoiceField(
        choices=[("", "Any diagnosis"), *Diagnosis.choices], required=False
    )
    sort = forms.ChoiceField(
        choices=[
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("mrn", "MRN"),
            ("dob", "Date of birth"),
            ("-registered", "Newest first"),
        ],
        required=False,
    )

    def filter(self, patients):
        """Apply the valid parts of the search; an invalid form filters nothing. Records merged
        into another are left out unless that status is asked for."""
        if not (self.is_valid() and self.cleaned_data["status"] == Patient.Status.MERGED):
            patients = patients.exclude(status=Patient.Status.MERGED)
        if not self.is_valid():
            return patients.order_by(*self.SORTS["name"])
        data = self.cleaned_data
        patients = patients.search(data["q"])
        if data["status"]:
            patients = patients.filter(status=data["status"])
        if data["diagnosis"]:
            patients = patients.filter(primary_diagnosis=data["diagnosis"])
        return patients.order_by(*self.SORTS[data["sort"] or "name"])


class EligibilityForm(StaffForm):
    YES_NO = [(None, "Not assessed yet"), (True, "Yes"), (False, "No")]

    chronic_migraine_criteria_met = forms.NullBooleanField(
        label=Eligibility._meta.get_field("chronic_migraine_criteria_met").verbose_name,
        help_text=Eligibility._meta.get_field("chronic_migraine_criteria_met").help_text,
        widget=forms.Select(choices=YES_NO),
        required=False,
    )
    medication_overuse_managed = forms.NullBooleanField(
        label="Medication overuse managed",
        help_text=Eligibility._meta.get_field("medication_overuse_managed").help_text,
        widget=forms.Select(choices=YES_NO),
        required=False,
    )

    class Meta:
        model = Eligibility
        fields = [
            "chronic_migraine_criteria_met",
            "headache_days_per_month",
            "migraine_days_per_month",
            "medication_overuse_managed",
            "assessed_on",
            "notes",
        ]
        widgets = {"assessed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}


class PriorPreventiveForm(OneTimeFormMixin, StaffForm):
    class Meta:
        model = PriorPreventive
        fields = ["name", "started_on", "stopped_on", "stop_reason", "notes"]
        widgets = {"started_on": DateInput(), "stopped_on": DateInput()}


class ClinicalFlagForm(StaffForm):
    class Meta:
        model = ClinicalFlag
        fields = ["kind", "noted_on", "note"]
        widgets = {"noted_on": DateInput()}

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient


class MergeForm(forms.Form):
    """Merging the `other` record into the one whose chart this is (patients/merging.py)."""

    other = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        label="Why these records are one person",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the merge and in the history of every row it moves.",
    )


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label="Find the other record: name, MRN, phone, email or date of birth",
        required=False,
        max_length=100,
    )
    other = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
