"""Letters after a review (issue 14): the GP letter and the patient's plain-language copy,
rendered to PDF with WeasyPrint and kept as issued.

`issue_letter` renders the letter from the data as it stands, stores the PDF bytes with the
HTML and the key figures, and never touches the row again: a correction is a new letter that
`corrects` the old one. The figures come from `reviews.progress` (nothing is recomputed here).
"""

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from clinic import audit
from clinic.context_processors import clinic_details
from clinic.patient_language import DAY_MONTH_YEAR, in_language_of, shown
from diaries.metrics import rounded
from patients.eligibility import assess_nice
from patients.models import Eligibility
from reviews.models import Decision, IssuedLetter, Review
from reviews.progress import patient_progress
from treatments.models import AdverseEvent, InjectionSession

TEMPLATES = {
    IssuedLetter.Kind.GP: "reviews/letters/gp.html",
    IssuedLetter.Kind.PATIENT: "reviews/letters/patient.html",
}
STYLESHEET = "reviews/letter.css"
PAGE_CSS_SIZE = {IssuedLetter.PageSize.A4: "A4", IssuedLetter.PageSize.LETTER: "letter"}


def gp_actions(review: Review) -> list[str]:
    """What the GP should do after this decision."""
    after = settings.RE_REVIEW_AFTER_SESSIONS
    if review.decision == Decision.CONTINUE:
        return [
            "Nothing to change: please continue the current acute and other treatment.",
            "The clinic books the next session, about 12 weeks after the last; the next review "
            f"follows after {after} more sessions.",
        ]
    if review.decision == Decision.EXTEND:
        return [
            "Nothing to change for now: the clinic gives one more cycle and reviews again after "
            "it.",
        ]
    if review.decision == Decision.PAUSE:
        resume = f" until {review.resume_on:%-d %B %Y}" if review.resume_on else ""
        return [
            f"Botox is paused{resume}; no injections are booked meanwhile.",
            "Please re-refer early if headaches return on 15 or more days a month.",
        ]
    return [
        "Botox treatment has stopped; the clinic books no further sessions.",
        "Please review other preventive options and acute-medication use, and re-refer if "
        "headaches worsen.",
    ]


def patient_next_steps(review: Review) -> str:
    """The same, in plain words for the patient (in the active language)."""
    if review.decision == Decision.CONTINUE:
        return _(
            "You will carry on with the injections. We will book your next one, about 12 weeks "
            "after the last."
        )
    if review.decision == Decision.EXTEND:
        return _(
            "You will have one more round of injections, and then we will look again at how "
            "you are doing."
        )
    if review.decision == Decision.PAUSE:
        if review.resume_on:
            return _(
                "We are taking a break from the injections until %(resume)s. If your headaches "
                "come back on most days before then, please contact us or your GP."
            ) % {"resume": shown(review.resume_on, DAY_MONTH_YEAR)}
        return _(
            "We are taking a break from the injections. If your headaches come back on most "
            "days, please contact us or your GP."
        )
    return _("The injections have stopped. Your GP will talk with you about other treatments.")


def key_figures(progress) -> dict:
    """The results the letter reports, rounded for display, as JSON-ready strings."""

    def shown(value) -> str | None:
        return None if value is None else str(rounded(value))

    baseline = progress.baseline.shown if progress.baseline else None
    latest = progress.latest_complete_cycle
    return {
        "baseline_headache_days": shown(baseline.rates()["headache_days_per_28"])
        if baseline
        else None,
        "baseline_migraine_days": shown(baseline.rates()["migraine_days_per_28"])
        if baseline
        else None,
        "baseline_source": progress.baseline.source if progress.baseline else None,
        "latest_cycle": latest.label if latest else None,
        "latest_headache_days": shown(latest.rates()["headache_days_per_28"]) if latest else None,
        "latest_migraine_days": shown(latest.rates()["migraine_days_per_28"]) if latest else None,
        "reduction_percent": shown(latest.reduction) if latest else None,
        "verdict": progress.verdict_label,
    }


def letter_context(review: Review) -> dict:
    """Everything a letter for `review` says, from the data as it stands on the review date."""
    patient = review.patient
    as_of = review.reviewed_on
    progress = patient_progress(patient, as_of)
    eligibility = Eligibility.objects.filter(patient=patient).first()
    preventives = list(patient.prior_preventives.all())
    return {
        "clinic": clinic_details(),
        "patient": patient,
        "review": review,
        "progress": progress,
        "figures": key_figures(progress),
        "eligibility": eligibility,
        "nice": assess_nice(patient, eligibility, preventives, as_of),
        "preventives": preventives,
        "sessions": list(
            InjectionSession.objects.filter(patient=patient, performed_on__lte=as_of)
            .select_related("protocol")
            .order_by("performed_on")
        ),
        "side_effects": list(
            AdverseEvent.objects.filter(session__patient=patient, session__performed_on__lte=as_of)
            .select_related("session")
            .order_by("onset_on", "id")
        ),
        "gp_actions": gp_actions(review),
        "next_steps": patient_next_steps(review),
    }


def render_letter_html(review: Review, kind: str) -> tuple[str, dict]:
    """The letter's HTML and its key figures: the patient's letter in their language, the GP's
    in the clinic's. The figures kept with every letter are in the clinic's language."""
    if kind == IssuedLetter.Kind.PATIENT:
        language = in_language_of(review.patient)
    else:
        language = translation.override(settings.LANGUAGE_CODE)
    with language:
        context = letter_context(review)
        html = render_to_string(TEMPLATES[kind], context)
    if language.language == settings.LANGUAGE_CODE:
        return html, context["figures"]
    with translation.override(settings.LANGUAGE_CODE):
        return html, key_figures(patient_progress(review.patient, review.reviewed_on))


def render_pdf(html: str, page_size: str) -> bytes:
    """The PDF of a letter's HTML on A4 or US Letter (imported here: WeasyPrint is slow to
    import). The style sheet is the static file, read from disk."""
    from weasyprint import CSS, HTML

    stylesheets = [
        CSS(filename=finders.find(STYLESHEET)),
        CSS(string=f"@page {{ size: {PAGE_CSS_SIZE[page_size]}; }}"),
    ]
    return HTML(string=html).write_pdf(stylesheets=stylesheets)


class IssueLetterForm(forms.Form):
    kind = forms.ChoiceField(choices=IssuedLetter.Kind.choices)
    page_size = forms.ChoiceField(
        label="Paper", choices=IssuedLetter.PageSize.choices, initial=IssuedLetter.PageSize.A4
    )
    corrects = forms.ModelChoiceField(
        label="Corrects an earlier letter",
        queryset=IssuedLetter.objects.none(),
        required=False,
        empty_label="No: a first letter",
    )

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = review.letters.all()

    def clean(self):
        cleaned = super().clean()
        corrects = cleaned.get("corrects")
        if corrects and corrects.kind != cleaned.get("kind"):
            self.add_error("corrects", "A correction replaces a letter of the same kind.")
        return cleaned


def issue_letter(
    *, review: Review, kind: str, page_size: str, issued_by, now, corrects=None
) -> IssuedLetter:
    """Render, store and audit one letter; it never changes afterwards."""
    html, figures = render_letter_html(review, kind)
    pdf = render_pdf(html, page_size)
    with transaction.atomic():
        letter = IssuedLetter.objects.create(
            review=review,
            kind=kind,
            page_size=page_size,
            pdf=pdf,
            html=html,
            figures=figures,
            corrects=corrects,
            issued_by=issued_by,
            issued_at=now,
        )
        audit.record(
            action=audit.Action.CREATE,
            object_type="issued letter",
            object_id=letter.pk,
            patient_id=review.patient_id,
            changes={"kind": kind, "review": review.pk, "corrects": corrects and corrects.pk},
            user=issued_by,
        )
    return letter
