"""The clinic audit page and its CSV, for neurologists (`reviews.clinic_audit`)."""

from datetime import date, timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic import csv_safety
from clinic.forms import DateInput
from clinic.roles import neurologist_required
from clinic.sections import Section
from reviews.clinic_audit import ON_TIME_DAYS, clinic_audit


class AuditPeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput)
    end = forms.DateField(label="To", widget=DateInput)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The period ends before it starts.")
        if end and end > self.today:
            self.add_error("end", "The period cannot end after today.")
        return cleaned


def default_period(today: date) -> dict:
    """The 12 months to today, as the form's data."""
    start = today - timedelta(days=365) + timedelta(days=1)
    return {"start": start.isoformat(), "end": today.isoformat()}


@neurologist_required
def clinic_audit_page(request):
    today = timezone.localdate()
    data = request.GET if {"start", "end"} & set(request.GET) else default_period(today)
    form = AuditPeriodForm(data, today=today)
    audit = clinic_audit(**form.cleaned_data) if form.is_valid() else None
    if audit and request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="clinic-audit-{audit.start}-{audit.end}.csv"'
        )
        writer = csv_safety.writer(response)
        writer.writerow(["section", "measure", "value"])
        writer.writerows(audit.csv_rows())
        return response
    return render(
        request,
        "reviews/clinic_audit.html",
        {"form": form, "audit": audit, "on_time_days": ON_TIME_DAYS},
    )


def audit_link(*, request, today) -> list[Section]:
    """The neurologist home's link to the audit."""
    return [Section("Clinic audit", "reviews/partials/clinic_audit_link.html")]
