import json
from datetime import date, timedelta
from smtplib import SMTPException

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic import audit, sections
from clinic.dates import day_in_calendar, weekday_date
from clinic.forms import add_model_errors
from clinic.roles import patient_required, staff_required
from diaries import offline
from diaries.access import Diary, diary_view
from diaries.attacks import attack_end, attack_start, attacks_on, running_attack
from diaries.calendar import LEGEND, MEDICINE_MARK, diary_months, month_start, months_between
from diaries.entries import (
    BackfillNotConfirmed,
    diary_day_remove,
    diary_day_save,
    mark_headache_free,
    medicine_save,
    source_for,
)
from diaries.exchange import HEADER, OPTIONAL_COLUMNS, csv_chunks
from diaries.forms import (
    AttackForm,
    DateRangeForm,
    DiaryDayForm,
    ImportForm,
    MedicineForm,
    OfflineEntryForm,
    PortalAccountForm,
)
from diaries.history import day_history
from diaries.imports import import_or_queue
from diaries.invitations import invitation_accept, invitation_send, usable_invitation
from diaries.metrics import diary_summary, last_28_days
from diaries.models import DiaryDay, DiaryImport, earliest_diary_day
from patients.access import own_patient, patient_for_user
from patients.data_export import archive_response
from patients.models import Diagnosis

MISSING_DAYS_SHOWN = 14
MAX_REPORT_MONTHS = 12


def parse_date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return default


def _attack_tap(request, tap, *, with_peak: bool = False) -> HttpResponse:
    """Start or end the patient's attack timer; any refusal is shown on the home page."""
    patient = own_patient(request.user)
    form = AttackForm(request.POST)
    if not form.is_valid():
        if "at" in form.errors:
            messages.error(
                request, gettext("Give the time as a date and time, e.g. 2 Dec 2026 14:05.")
            )
        else:
            messages.error(
                request, gettext("Choose how bad the worst pain was: mild, moderate or severe.")
            )
        return redirect("portal:home")
    options = {"at": form.cleaned_data["at"]}
    if with_peak:
        options["peak_severity"] = form.cleaned_data["peak_severity"]
    try:
        attack = tap(patient=patient, by=request.user, now=timezone.now(), **options)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        started = timezone.localtime(attack.started_at)
        if attack.ended_at is None:
            messages.success(
                request,
                gettext("Timing your headache since %(time)s. Tap “It ended” when it stops.")
                % {"time": f"{started:%H:%M}"},
            )
        else:
            ended = timezone.localtime(attack.ended_at)
            times = {"start": f"{started:%H:%M}", "end": f"{ended:%H:%M}"}
            times["day"] = weekday_date(started.date())
            if ended.date() == started.date():
                saved = gettext("Headache from %(start)s to %(end)s saved in your diary (%(day)s).")
            else:
                saved = gettext(
                    "Headache from %(start)s to %(end)s saved in your diary (%(day)s and after)."
                )
            messages.success(request, saved % times)
    return redirect("portal:home")


@patient_required
@require_POST
def attack_started(request):
    return _attack_tap(request, attack_start)


@patient_required
@require_POST
def attack_ended(request):
    return _attack_tap(request, attack_end, with_peak=True)


@patient_required
def portal_home(request):
    patient = own_patient(request.user)
    diary = Diary(patient, staff=False)
    today = timezone.localdate()
    first = max(today - timedelta(days=MISSING_DAYS_SHOWN), earliest_diary_day(patient))
    entries = {entry.day: entry for entry in patient.diary_days.filter(day__range=(first, today))}
    missing = [
        today - timedelta(days=n)
        for n in range(1, MISSING_DAYS_SHOWN + 1)
        if today - timedelta(days=n) >= first and today - timedelta(days=n) not in entries
    ]
    cluster = patient.primary_diagnosis == Diagnosis.CLUSTER
    audit.record_view(request, patient, "portal home")
    return render(
        request,
        "diaries/portal_home.html",
        diary.context(
            running_attack=running_attack(patient),
            attacks_today=attacks_on(patient, today) if cluster else None,
            attack_form=AttackForm(),
            today=today,
            today_entry=entries.get(today),
            today_url=diary.day_url(today, entries.get(today)),
            missing=missing,
            summary=diary_summary(patient, *last_28_days(today)),
            sections=sections.sections(sections.PORTAL_HOME, patient=patient, today=today),
            more_sections=sections.sections(
                sections.PORTAL_HOME_MORE, patient=patient, today=today
            ),
        ),
    )


def _mark_headache_free(request, diary: Diary, form):
    """Save the marked range; the redirect after it, or None when the form shows an error.

    A range reaching back more than a week is saved only once confirmed: the first post
    answers with the confirmation page, whose button posts the range again with `confirm`.
    """
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        added = mark_headache_free(
            patient=diary.patient,
            start=start,
            end=end,
            by=request.user,
            confirmed=request.POST.get("confirm") == "yes",
        )
    except BackfillNotConfirmed as pending:
        audit.record_view(request, diary.patient, "diary range confirmation")
        return render(
            request,
            "diaries/confirm_range.html",
            diary.context(
                start=start,
                end=end,
                days=len(pending.days),
                next=request.POST.get("next", ""),
                back_url=f"{diary.url('calendar')}?month={start:%Y-%m}",
            ),
        )
    except ValidationError as error:
        add_model_errors(form, error)
        return None
    skipped = (end - start).days + 1 - len(added)
    marked = ngettext(
        "Marked %(count)d day as headache-free",
        "Marked %(count)d days as headache-free",
        len(added),
    ) % {"count": len(added)}
    if skipped:
        left = ngettext(
            "%(count)d already entered left as it was.",
            "%(count)d already entered left as they were.",
            skipped,
        ) % {"count": skipped}
        messages.success(request, f"{marked}; {left}")
    else:
        messages.success(request, f"{marked}.")
    if request.POST.get("next") == "home" and not diary.staff:
        return redirect("portal:home")
    return redirect(f"{diary.url('calendar')}?month={start:%Y-%m}")


@diary_view
def diary_calendar(request, diary: Diary):
    """A month of the diary, and the form to mark a range of days headache-free."""
    today = timezone.localdate()
    asked = parse_date(f"{request.GET.get('month', '')}-01", today)
    month = month_start(day_in_calendar(request, asked, today))
    form = DateRangeForm(request.POST or None, prefix="range")
    if request.method == "POST" and form.is_valid():
        done = _mark_headache_free(request, diary, form)
        if done is not None:
            return done
    audit.record_view(request, diary.patient, "diary calendar")
    return render(
        request,
        "diaries/calendar.html",
        diary.context(
            month=diary_months(diary, [month], today)[0],
            legend=LEGEND,
            medicine_mark=MEDICINE_MARK,
            form=form,
            is_current_month=month == month_start(today),
        ),
    )


@diary_view
def day_new(request, diary: Diary):
    today = timezone.localdate()
    day = parse_date(request.GET.get("date"), today)
    existing = diary.patient.diary_days.filter(day=day).first()
    if request.method == "GET" and existing:
        return redirect(diary.day_url(day, existing))
    initial = {"day": day, "headache": request.GET.get("headache") == "1"}
    return day_form(request, diary, DiaryDay(patient=diary.patient), initial)


@diary_view
def day_edit(request, diary: Diary, day_id: int):
    entry = get_object_or_404(diary.patient.diary_days.prefetch_related("doses"), pk=day_id)
    return day_form(request, diary, entry, {})


def day_form(request, diary: Diary, entry: DiaryDay, initial: dict):
    medicines = list(diary.patient.medicines.all())
    form = DiaryDayForm(request.POST or None, instance=entry, medicines=medicines, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = diary_day_save(
                entry=form.save(commit=False),
                doses=form.doses(),
                by=request.user,
                source=source_for(request.user, diary.patient),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, gettext("Saved %(day)s.") % {"day": weekday_date(saved.day)})
            return redirect(f"{diary.url('calendar')}?month={saved.day:%Y-%m}")
    audit.record_view(request, diary.patient, "diary day")
    return render(
        request,
        "diaries/day_form.html",
        diary.context(
            form=form,
            entry=entry,
            day=entry.day or initial.get("day"),
            history=day_history(diary.patient, entry.day or initial["day"]),
            remove_url=diary.url("day_remove", day_id=entry.pk) if entry.pk else None,
        ),
    )


@diary_view
def day_remove(request, diary: Diary, day_id: int):
    """Ask, then remove a day entered by mistake (kept in its history, shown to clinicians)."""
    entry = get_object_or_404(diary.patient.diary_days, pk=day_id)
    if request.method == "POST":
        diary_day_remove(entry=entry, by=request.user)
        messages.success(
            request,
            gettext("Removed %(day)s from the diary. It no longer counts; you can enter it again.")
            % {"day": weekday_date(entry.day)},
        )
        return redirect(f"{diary.url('calendar')}?month={entry.day:%Y-%m}")
    audit.record_view(request, diary.patient, "diary day removal")
    return render(
        request,
        "diaries/confirm_remove.html",
        diary.context(entry=entry, back_url=diary.day_url(entry.day, entry)),
    )


@diary_view
def medicines(request, diary: Diary):
    form = MedicineForm(request.POST or None, patient=diary.patient)
    if request.method == "POST" and form.is_valid():
        try:
            medicine = medicine_save(form.save(commit=False))
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(
                request, gettext("%(medicine)s added to the list.") % {"medicine": medicine.name}
            )
            return redirect(diary.url("medicines"))
    medicine_list = list(diary.patient.medicines.all())
    for medicine in medicine_list:
        medicine.edit_url = diary.url("medicine_edit", medicine_id=medicine.pk)
    audit.record_view(request, diary.patient, "medicine list")
    return render(
        request, "diaries/medicines.html", diary.context(form=form, medicines=medicine_list)
    )


@diary_view
def medicine_edit(request, diary: Diary, medicine_id: int):
    medicine = get_object_or_404(diary.patient.medicines, pk=medicine_id)
    form = MedicineForm(request.POST or None, instance=medicine, patient=diary.patient)
    if request.method == "POST" and form.is_valid():
        try:
            medicine_save(form.save(commit=False))
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, gettext("%(medicine)s saved.") % {"medicine": medicine.name})
            return redirect(diary.url("medicines"))
    audit.record_view(request, diary.patient, "medicine form")
    return render(request, "diaries/medicine_form.html", diary.context(form=form))


@staff_required
@require_POST
def invite(request, patient_id: int):
    patient = patient_for_user(request.user, patient_id)
    try:
        invitation = invitation_send(
            patient=patient, by=request.user, build_absolute_uri=request.build_absolute_uri
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (SMTPException, OSError):
        messages.error(request, "The email could not be sent. Check the address and try again.")
    else:
        messages.success(
            request, f"Invitation sent to {invitation.email}; the link works for 7 days."
        )
    return redirect(reverse("patients:chart", args=[patient.pk]) + "#portal")


def accept_invitation(request, token: str):
    """Public: the one-time link from the email, where a patient sets their password."""
    invitation = usable_invitation(token)
    if invitation is None:
        return render(request, "diaries/invitation_invalid.html", status=410)
    patient = invitation.patient
    if patient.user_id:
        form = SetPasswordForm(patient.user, request.POST or None)
    else:
        new_user = get_user_model()(
            email=patient.email, first_name=patient.given_name, last_name=patient.family_name
        )
        form = PortalAccountForm(
            request.POST or None, instance=new_user, initial={"username": patient.email}
        )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(invitation=invitation, user_form=form)
        except ValidationError:
            return render(request, "diaries/invitation_invalid.html", status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, gettext("Your password is set. Welcome to your headache diary."))
        return redirect("portal:home")
    return render(request, "diaries/accept_invitation.html", {"form": form, "patient": patient})


def imported_message(result) -> str:
    """What an import added, e.g. "Imported 3 days (1 already in the diary unchanged, 2
    medicines added)." (`result` is an import result or a finished DiaryImport)."""
    days = ngettext("Imported %(count)d day", "Imported %(count)d days", result.added) % {
        "count": result.added
    }
    medicines = ngettext(
        "%(count)d medicine added", "%(count)d medicines added", result.medicines_added
    ) % {"count": result.medicines_added}
    unchanged = gettext("%(count)d already in the diary unchanged") % {"count": result.unchanged}
    return f"{days} ({unchanged}, {medicines})."


def default_range(diary: Diary, today: date) -> tuple[date, date]:
    """From the first diary day (or four weeks ago) to today."""
    first = diary.patient.diary_days.order_by("day").values_list("day", flat=True).first()
    return min(first or today, today - timedelta(days=27)), today


@diary_view
def transfer(request, diary: Diary):
    """Export a date range as CSV, or import a CSV file (all rows or none)."""
    today = timezone.localdate()
    start, end = default_range(diary, today)
    export_form = DateRangeForm(initial={"start": start, "end": end})
    import_form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and import_form.is_valid():
        data = import_form.cleaned_data["file"].read()
        result = import_or_queue(diary.patient, data, by=request.user)
        if isinstance(result, DiaryImport):  # a big file: the job runner imports it
            return redirect(diary.url("import_progress", import_id=result.pk))
        if not result.errors:
            messages.success(request, imported_message(result))
            return redirect(diary.url("transfer"))
    audit.record_view(request, diary.patient, "diary import and export")
    return render(
        request,
        "diaries/transfer.html",
        diary.context(
            export_form=export_form,
            import_form=import_form,
            result=result,
            header=",".join(HEADER),
            optional_columns=OPTIONAL_COLUMNS,
        ),
    )


@diary_view
def import_progress(request, diary: Diary, import_id: int):
    """How far a big import is. The page polls its card (htmx) while the job runs; the card
    carries nothing from the diary, and once the import ends the page reloads in full, which
    shows the result (and is audited as a view)."""
    diary_import = get_object_or_404(diary.patient.diary_imports, pk=import_id)
    done = diary_import.status == DiaryImport.Status.DONE
    context = diary.context(
        diary_import=diary_import, imported=imported_message(diary_import) if done else ""
    )
    if request.headers.get("HX-Request"):
        if diary_import.finished:
            return HttpResponse(headers={"HX-Refresh": "true"})
        return render(request, "diaries/partials/import_progress.html", context)
    audit.record_view(request, diary.patient, "diary import")
    return render(request, "diaries/import_progress.html", context)


@diary_view
def export(request, diary: Diary):
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        messages.error(request, gettext("Choose a valid date range to export."))
        return redirect(diary.url("transfer"))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    audit.record_export(request, diary.patient, "diary.csv", start=str(start), end=str(end))
    response = StreamingHttpResponse(
        csv_chunks(diary.patient, start, end), content_type="text/csv; charset=utf-8"
    )
    filename = f"diary-{diary.patient.mrn}-{start}-{end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@diary_view
def report(request, diary: Diary):
    """A printable report for any range: the summary and the month calendars."""
    today = timezone.localdate()
    start, end = default_range(diary, today)
    form = DateRangeForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_valid():
        start, end = form.cleaned_data["start"], min(form.cleaned_data["end"], today)
        start = min(start, end)
    months = months_between(start, end)[-MAX_REPORT_MONTHS:]
    start = max(start, months[0])
    audit.record_view(request, diary.patient, "diary report")
    return render(
        request,
        "diaries/report.html",
        diary.context(
            form=form,
            start=start,
            end=end,
            summary=diary_summary(diary.patient, start, end),
            months=diary_months(diary, months, today),
            legend=LEGEND,
            medicine_mark=MEDICINE_MARK,
            today=today,
        ),
    )


@patient_required
def my_records(request):
    """Everything the clinic holds about the logged-in patient, as a zip."""
    return archive_response(request, own_patient(request.user))


def _offline_entry(body: bytes) -> offline.OfflineEntry:
    """The queued entry in a sync request's JSON body; ValueError saying what is wrong."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(gettext("This entry could not be read: it is not JSON.")) from None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(name), str | None) for name in OfflineEntryForm.base_fields
    ):
        raise ValueError(gettext("This entry could not be read: it is not a diary entry."))
    form = OfflineEntryForm(payload)
    if not form.is_valid():
        problems = [
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        raise ValueError(
            gettext("This entry could not be read (%(problems)s)")
            % {"problems": "; ".join(problems)}
        )
    return offline.OfflineEntry(**form.cleaned_data)


@require_POST
@patient_required
def day_sync(request):
    """One entry from the phone's offline queue, as JSON: saved once, by its key."""
    patient = own_patient(request.user)
    try:
        entry = _offline_entry(request.body)
    except ValueError as error:
        return JsonResponse({"status": "refused", "message": str(error)}, status=400)
    try:
        synced = offline.day_sync(patient=patient, entry=entry, by=request.user, now=timezone.now())
    except ValidationError as error:
        return JsonResponse({"status": "refused", "message": " ".join(error.messages)}, status=400)
    return JsonResponse({"status": synced.status, "message": synced.message})


@require_GET
@never_cache
def service_worker(request):
    """The portal's service worker, at a URL whose scope covers the portal (public: it is our
    static script with the shell's URLs; it caches only what the patient's own requests get)."""
    return HttpResponse(offline.service_worker_source(), content_type="text/javascript")
