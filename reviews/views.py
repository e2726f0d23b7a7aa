"""Progress toward the review: the neurologist's page, the review decision, the GP letter, and
the patient's own simpler page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.form_tokens import ALREADY_SAVED, AlreadySaved
from clinic.forms import add_model_errors
from clinic.roles import neurologist_required, patient_required
from diaries.metrics import rounded
from patients.access import own_patient, staff_patient
from patients.chart import patient_header
from reviews.charts import headache_chart, rolling_trend, severity_heatmap
from reviews.forms import ReviewForm
from reviews.letters import IssueLetterForm, issue_letter
from reviews.models import Review
from reviews.models.reviews import SUGGESTED_DECISION
from reviews.progress import Progress, patient_progress
from reviews.reviewing import review_record, score_rows
from treatments.models import AdverseEvent


def side_effects_by_cycle(progress: Progress) -> list[tuple[str, list[AdverseEvent]]]:
    """Each cycle's label with the side effects recorded after its session."""
    events = AdverseEvent.objects.filter(
        session__patient_id=progress.patient_id, session__performed_on__lte=progress.as_of
    ).select_related("session")
    by_day: dict = {}
    for event in events.order_by("onset_on", "id"):
        by_day.setdefault(event.session.performed_on, []).append(event)
    return [(cycle.label, by_day.get(cycle.start, [])) for cycle in progress.cycles]


def progress_context(patient, as_of) -> dict:
    """Everything the progress page and the letter show, computed once."""
    progress = patient_progress(patient, as_of)
    return {
        **patient_header(patient),
        "progress": progress,
        "chart": headache_chart(progress),
        "trend": rolling_trend(progress),
        "heatmap": severity_heatmap(patient.pk, as_of, progress.sessions),
        "windows": [(window, window.summary()) for window in progress.windows],
        "side_effects": side_effects_by_cycle(progress),
        "score_rows": score_rows(list(patient.reviews.select_related("reviewed_by"))),
        "suggested_decision": SUGGESTED_DECISION.get(progress.verdict),
    }


@neurologist_required
def progress_page(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    audit.record_view(request, patient, "progress")
    return render(request, "reviews/progress.html", progress_context(patient, timezone.localdate()))


@neurologist_required
def review_add(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    review = Review(patient=patient, reviewed_by=request.user)
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            review = review_record(
                review=form.save(commit=False),
                reviewed_by=request.user,
                form_token=form.cleaned_data["form_token"],
                today=timezone.localdate(),
            )
        except AlreadySaved:
            messages.info(request, ALREADY_SAVED)
            return redirect("progress:page", patient.pk)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, f"Review recorded: {review.get_decision_display()}.")
            return redirect("progress:page", patient.pk)
    context = progress_context(patient, timezone.localdate())
    audit.record_view(request, patient, "review form")
    return render(
        request,
        "reviews/review_form.html",
        {**context, "form": form, "re_review_after": settings.RE_REVIEW_AFTER_SESSIONS},
    )


def patient_review(request, patient_id: int, review_id: int):
    """The staff-visible patient and one of their reviews (404 for another patient's)."""
    patient = staff_patient(request, patient_id)
    return patient, get_object_or_404(patient.reviews.select_related("reviewed_by"), pk=review_id)


def letters_page(request, patient, review, form):
    return render(
        request,
        "reviews/review_letter.html",
        {
            **patient_header(patient),
            "review": review,
            "form": form,
            "letters": review.letters.select_related("issued_by", "corrects").defer("pdf", "html"),
        },
    )


@neurologist_required
def review_letter(request, patient_id: int, review_id: int):
    """The review's letters: issue one, or download one already issued."""
    patient, review = patient_review(request, patient_id, review_id)
    audit.record_view(request, patient, "review letters")
    return letters_page(request, patient, review, IssueLetterForm(review=review))


@neurologist_required
@require_POST
def letter_issue(request, patient_id: int, review_id: int):
    patient, review = patient_review(request, patient_id, review_id)
    form = IssueLetterForm(request.POST, review=review)
    if not form.is_valid():
        return letters_page(request, patient, review, form)
    letter = issue_letter(
        review=review,
        kind=form.cleaned_data["kind"],
        page_size=form.cleaned_data["page_size"],
        corrects=form.cleaned_data["corrects"],
        issued_by=request.user,
        now=timezone.now(),
    )
    messages.success(request, f"{letter.get_kind_display()} issued.")
    return redirect("progress:letter", patient.pk, review.pk)


@neurologist_required
def letter_download(request, patient_id: int, review_id: int, letter_id: int):
    """The stored PDF, byte for byte as issued."""
    patient, review = patient_review(request, patient_id, review_id)
    letter = get_object_or_404(review.letters, pk=letter_id)
    audit.record_export(request, patient, "issued letter", letter=letter.pk)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.filename}"'
    return response


@patient_required
def portal_progress(request):
    patient = own_patient(request.user)
    audit.record_view(request, patient, "portal progress")
    progress = patient_progress(patient, timezone.localdate(), with_overuse=False)
    latest = progress.latest_complete_cycle
    return render(
        request,
        "reviews/portal_progress.html",
        {
            "progress": progress,
            "chart": headache_chart(progress),
            "latest": latest,
            "reduction": rounded(latest.reduction) if latest else None,
        },
    )
