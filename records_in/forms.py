from django import forms

from clinic.uploads import validate_upload_size

KIND_CHOICES = [
    ("patients", "Patients (CSV)"),
    ("sessions", "Treatment history: injection sessions (CSV)"),
    ("baselines", "Reported baselines (CSV)"),
    ("fhir", "A FHIR R4 Bundle (JSON) or an NDJSON file of our export"),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=KIND_CHOICES)
    file = forms.FileField(
        label="File",
        validators=[validate_upload_size],
        help_text="UTF-8, at most 10 MB. The formats are in docs/migration-in.md.",
    )
    dry_run = forms.BooleanField(
        label="Only check the file (save nothing)", required=False, initial=False
    )
