"""Front desk's scheduling pages: booking, the next injection, status changes, calendars."""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.dates import CALENDAR_YEARS, day_in_calendar
from clinic.forms import add_model_errors
from clinic.roles import Role, neurologist_required, role_required, staff_required
from patients.access import patient_for_user, staff_patient
from patients.chart import patient_header
from scheduling.agenda import CLINICIANS_PER_PAGE, agenda, calendar_clinicians, live_appointments
from scheduling.booking import (
    allowed_statuses,
    appointment_book,
    appointment_reschedule,
    appointment_set_status,
    appointment_undo_status,
    booking_cautions,
)
from scheduling.courses import (
    booking_keep,
    bookings_against_course,
    course_of,
    course_restart,
)
from scheduling.feeds import clinician_calendar, feed_reset, patient_calendar, working_feeds
from scheduling.forms import BookingForm, CancelForm, DayForm, RescheduleForm, RestartForm
from scheduling.models import Appointment, CalendarFeed, CourseStatus
from scheduling.slots import (
    WINDOW_DAYS,
    bookable_clinicians,
    more_slots,
    next_injection_slots,
)
from scheduling.waitlist_views import freed_slot_message

Status = Appointment.Status


def patient_appointment(request, patient_id: int, appointment_id: int):
    """The patient (for the header) and one of their appointments; 404 for anyone else's."""
    patient = staff_patient(request, patient_id)
    appointment = get_object_or_404(
        patient.appointments.select_related("clinician", "booked_by", "status_changed_by"),
        pk=appointment_id,
    )
    return patient, appointment


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def slot_kind(request) -> str:
    """The kind of appointment `?kind=` asks free slots for (an injection unless valid)."""
    kind = request.GET.get("kind")
    return kind if kind in Appointment.Kind.values else Appointment.Kind.INJECTION


def parse_moment(text: str | None) -> datetime | None:
    """An ISO date and time within the calendar's years (`clinic.dates`), else None."""
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    if moment.year not in CALENDAR_YEARS:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@staff_required
def book_next(request, patient_id: int):
    """'Book the next one': a page of clinicians, the habitual one first, each with their first
    free slots from the due date. With `?clinician=&after=` (htmx), that clinician's next
    batch only."""
    patient = staff_patient(request, patient_id)
    now = timezone.now()
    kind = slot_kind(request)
    course = course_of(patient, timezone.localdate(now))
    if request.GET.get("clinician"):
        return more_free_slots(request, patient, course, kind=kind, now=now)
    audit.record_view(request, patient, "book next injection")
    asked = parse_day(request.GET.get("from"))
    plan = next_injection_slots(
        patient,
        due_on=course.next_injection_due,
        now=now,
        from_day=asked and day_in_calendar(request, asked, timezone.localdate(now)),
        kind=kind,
        page=request.GET.get("page"),
    )
    earlier = plan.first - timedelta(days=WINDOW_DAYS + 1)
    return render(
        request,
        "scheduling/book_next.html",
        {
            **patient_header(patient),
            "course": course,
            "cautions": booking_cautions(
                patient, kind=kind, day=plan.first, now=now, course=course
            ),
            "plan": plan,
            "kind_name": Appointment.Kind(kind).label.lower(),
            "later": plan.last + timedelta(days=1),
            "earlier": earlier if plan.first > timezone.localdate(now) else None,
            "query": query_without_page(request),
        },
    )


def more_free_slots(request, patient, course, *, kind: str, now: datetime):
    """One clinician's next batch of free slots (the "more" button); 404 for a bad clinician."""
    clinicians = bookable_clinicians(kind)
    try:
        clinician = get_object_or_404(clinicians, pk=int(request.GET["clinician"]))
    except ValueError:
        raise Http404("No such clinician.") from None
    audit.record_view(request, patient, "book next injection")
    row = more_slots(
        patient,
        clinician,
        after=parse_moment(request.GET.get("after")) or now,
        due_on=course.next_injection_due,
        now=now,
        kind=kind,
    )
    context = {"patient": patient, "row": row, "kind": kind}
    template = "scheduling/partials/clinician_slots.html"
    if not request.headers.get("HX-Request"):
        template = "scheduling/clinician_slots_page.html"
        context.update(patient_header(patient))
    return render(request, template, context)


def booked_message(request, appointment: Appointment, created: bool) -> None:
    """Say what was booked, or that a repeated submission booked nothing more."""
    summary = f"{appointment.get_kind_display()} {new_time(appointment)}"
    if created:
        messages.success(request, f"Booked: {summary}.")
    else:
        messages.info(request, f"Already booked: {summary}. Nothing was booked twice.")


@staff_required
def book(request, patient_id: int):
    """Book an appointment: one click from a slot, or the full form."""
    patient = staff_patient(request, patient_id)
    audit.record_view(request, patient, "booking form")
    course = course_of(patient, timezone.localdate())
    due_on = course.next_injection_due
    form = BookingForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            appointment, created = appointment_book(
                patient=patient,
                booked_by=request.user,
                due_on=due_on,
                now=timezone.now(),
                **form.booking(),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            booked_message(request, appointment, created)
            return redirect(reverse("patients:chart", args=[patient.pk]) + "#appointments")
    kind = form.data.get("kind") or form.initial.get("kind") or Appointment.Kind.INJECTION
    cautions = booking_cautions(
        patient, kind=kind, day=timezone.localdate(), now=timezone.now(), course=course
    )
    return render(
        request,
        "scheduling/appointment_form.html",
        {
            **patient_header(patient),
            "form": form,
            "due_on": due_on,
            "course": course,
            "cautions": cautions,
            "kind": kind if kind in Appointment.Kind.values else Appointment.Kind.INJECTION,
        },
    )


@staff_required
def appointment_detail(request, patient_id: int, appointment_id: int):
    """One appointment, the status changes its model allows, and its history."""
    patient, appointment = patient_appointment(request, patient_id, appointment_id)
    audit.record_view(request, patient, "appointment")
    history = appointment.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            **patient_header(patient),
            "appointment": appointment,
            "history": history,
            "cancel_form": CancelForm(),
            "statuses": Status,
            "allowed": allowed_statuses(appointment, timezone.localdate()),
            "can_reschedule": appointment.status == Status.BOOKED
            and appointment.starts_at > timezone.now(),
        },
    )


@staff_required
@require_POST
def reschedule(request, patient_id: int, appointment_id: int):
    """Move a booking to a free slot (the calendar's buttons while rescheduling)."""
    patient, appointment = patient_appointment(request, patient_id, appointment_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a free slot to move the appointment to.")
        return redirect("schedule:appointment", patient.pk, appointment.pk)
    now = timezone.now()
    try:
        new = appointment_reschedule(
            appointment,
            clinician=form.cleaned_data["clinician"],
            starts_at=form.starts_at,
            by=request.user,
            due_on=course_of(patient, timezone.localdate(now)).next_injection_due,
            override_reason=form.cleaned_data["override_reason"],
            now=now,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schedule:appointment", patient.pk, appointment.pk)
    messages.success(request, f"Rescheduled: {appointment.get_kind_display()} now {new_time(new)}.")
    freed_slot_message(request, appointment)
    return redirect("schedule:appointment", patient.pk, new.pk)


def new_time(appointment: Appointment) -> str:
    when = timezone.localtime(appointment.starts_at)
    return f"on {when:%A %-d %B %Y at %H:%M} with {appointment.clinician}"


def set_status_from_post(request, appointment: Appointment) -> tuple[Appointment, str | None]:
    """Make the status change the POST asks for: the appointment, and why not if refused."""
    status = request.POST.get("status", "")
    reason_form = CancelForm(request.POST)  # checks the reason as the form does (length, NUL)
    if status not in Status.values:
        return appointment, "Choose what happened to the appointment."
    cancelling = status == Status.CANCELLED and status in appointment.next_statuses
    if cancelling and not reason_form.is_valid():
        return appointment, " ".join(reason_form.errors["reason"])
    try:
        changed = appointment_set_status(
            appointment,
            status=status,
            by=request.user,
            reason=reason_form.cleaned_data["reason"] if cancelling else "",
            now=timezone.now(),
        )
    except ValidationError as problem:
        return appointment, " ".join(problem.messages)
    return changed, None


@staff_required
@require_POST
def appointment_status(request, patient_id: int, appointment_id: int):
    """Mark arrived, completed, did not attend or cancelled. From the arrivals list via htmx."""
    patient, appointment = patient_appointment(request, patient_id, appointment_id)
    appointment, error = set_status_from_post(request, appointment)
    if request.headers.get("HX-Request"):
        return render(
            request, "scheduling/arrival_row.html", {"appointment": appointment, "error": error}
        )
    if error:
        messages.error(request, error)
        return redirect("schedule:appointment", patient.pk, appointment.pk)
    messages.success(request, f"Marked {appointment.get_status_display().lower()}.")
    if appointment.status == Status.CANCELLED:
        freed_slot_message(request, appointment)
    completed = appointment.status == Status.COMPLETED
    if completed and appointment.kind == Appointment.Kind.INJECTION:
        return redirect("schedule:book_next", patient.pk)
    return redirect("schedule:appointment", patient.pk, appointment.pk)


@staff_required
@require_POST
def appointment_undo(request, patient_id: int, appointment_id: int):
    patient, appointment = patient_appointment(request, patient_id, appointment_id)
    try:
        appointment = appointment_undo_status(appointment, by=request.user, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Undone: the appointment is {appointment.get_status_display().lower()} again."
        )
    return redirect("schedule:appointment", patient.pk, appointment.pk)


@neurologist_required
def restart(request, patient_id: int):
    """Restart treatment after a stop or a pause, with a new baseline date and a reason."""
    patient = staff_patient(request, patient_id)
    form = RestartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course_restart(
                patient=patient,
                started_on=form.cleaned_data["started_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, "Treatment restarted: a new course begins.")
            return redirect(reverse("patients:chart", args=[patient.pk]) + "#appointments")
    audit.record_view(request, patient, "restart treatment")
    return render(
        request,
        "scheduling/course_restart.html",
        {
            **patient_header(patient),
            "form": form,
            "course": course_of(patient, timezone.localdate()),
        },
    )


def _against_course(request, patient_id: int, appointment_id: int):
    """The patient, their appointment (404 for anyone else's), and whether it is still a
    future injection booking of their stopped or paused course."""
    patient, appointment = patient_appointment(request, patient_id, appointment_id)
    now = timezone.now()
    against = bookings_against_course(timezone.localdate(now), now).filter(pk=appointment.pk)
    return patient, appointment, now, against.exists()


NOTHING_TO_DECIDE = "That booking no longer waits for a decision: nothing was changed."


@staff_required
@require_POST
def cancel_booking(request, patient_id: int, appointment_id: int):
    """Cancel a booking that the course no longer needs, saying why (the course state)."""
    patient, appointment, now, against = _against_course(request, patient_id, appointment_id)
    if not against:
        messages.info(request, NOTHING_TO_DECIDE)
        return redirect("home")
    state = patient.course_state
    reason = (
        f"Treatment stopped on {state.since:%-d %b %Y}"
        if state.status == CourseStatus.STOPPED
        else f"Treatment paused until {state.resume_on:%-d %b %Y}"
    )
    try:
        appointment_set_status(
            appointment, status=Status.CANCELLED, by=request.user, reason=reason, now=now
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Cancelled the injection booking of {patient}: {reason}.")
    return redirect("home")


@staff_required
@require_POST
def keep_booking(request, patient_id: int, appointment_id: int):
    """Keep a booking although the course is stopped or paused (recorded: who, when)."""
    patient, appointment, now, against = _against_course(request, patient_id, appointment_id)
    if not against:
        messages.info(request, NOTHING_TO_DECIDE)
        return redirect("home")
    booking_keep(appointment, by=request.user, now=now)
    messages.success(request, f"Kept the injection booking of {patient}.")
    return redirect("home")


def clinicians_shown(request, first: date, last: date, clinician) -> tuple[list, Page | None]:
    """The chosen clinician, or the requested page of those with clinics or bookings."""
    if clinician:
        return [clinician], None
    page = Paginator(calendar_clinicians(first, last), CLINICIANS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return list(page), page


def query_without_page(request) -> str:
    """The calendar's query string, for the pagination links to add their page to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def slot_target(request, form: DayForm) -> dict:
    """Whom a free slot's button books: a patient (`?patient=`), or the booking being moved
    (`?reschedule=`); with neither, free slots are only shown. 404 for a bad id."""
    if not form.is_valid():
        return {"for_patient": None, "moving": None, "keep": ""}
    moving_id, patient_id = form.cleaned_data["reschedule"], form.cleaned_data["patient"]
    if moving_id:
        moving = get_object_or_404(
            Appointment.objects.select_related("patient"), pk=moving_id, status=Status.BOOKED
        )
        return {"for_patient": None, "moving": moving, "keep": f"&reschedule={moving.pk}"}
    if patient_id:
        patient = staff_patient(request, patient_id)
        return {"for_patient": patient, "moving": None, "keep": f"&patient={patient.pk}"}
    return {"for_patient": None, "moving": None, "keep": ""}


def _calendar(request, template: str, first_of, days: int):
    now = timezone.now()
    today = timezone.localdate(now)
    form = DayForm(request.GET or None)
    day = day_in_calendar(request, form.day(today), today)
    first = first_of(day)
    last = first + timedelta(days=days - 1)
    clinician = form.chosen_clinician()
    clinicians, page = clinicians_shown(request, first, last, clinician)
    shown_days, rows = agenda(first, last, clinicians, now=now)
    step = timedelta(days=days)
    return render(
        request,
        template,
        {
            "form": form,
            "day": day,
            "first": first,
            "last": last,
            "days": shown_days,
            "rows": rows,
            "clinician": clinician,
            "page": page,
            "query": query_without_page(request),
            "previous": first - step,
            "next": first + step,
            "today": today,
            **slot_target(request, form),
        },
    )


@staff_required
def calendar_day(request):
    return _calendar(request, "scheduling/calendar_day.html", lambda day: day, 1)


@staff_required
def calendar_week(request):
    return _calendar(
        request, "scheduling/calendar_week.html", lambda day: day - timedelta(day.weekday()), 7
    )


@staff_required
def day_list(request):
    """The printable list of the day's appointments, by clinician and time."""
    form = DayForm(request.GET or None)
    day = day_in_calendar(request, form.day(timezone.localdate()), timezone.localdate())
    appointments = (
        live_appointments(day, day, form.chosen_clinician())
        .for_display()
        .order_by("clinician__last_name", "starts_at")
    )
    return render(request, "scheduling/day_list.html", {"day": day, "appointments": appointments})


@staff_required
def arrivals(request):
    """Today's appointments, with one click to say the patient has arrived."""
    today = timezone.localdate()
    appointments = (
        live_appointments(today, today)
        .for_display()
        .filter(status__in=[Status.BOOKED, Status.ARRIVED])
    )
    return render(
        request, "scheduling/arrivals.html", {"appointments": appointments, "today": today}
    )


def ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*Role)
def patient_ics(request, patient_id: int):
    """A patient's appointments as an .ics file (staff, or the patient themself)."""
    patient = patient_for_user(request.user, patient_id)
    audit.record_export(request, patient, "appointments .ics")
    return ics_response(patient_calendar(patient, request.get_host()), "appointments.ics")


@neurologist_required
def feed_settings(request):
    """The clinician's private calendar feed address, and a button to replace it."""
    feed = CalendarFeed.objects.filter(clinician=request.user).first()
    if request.method == "POST":
        feed = feed_reset(request.user)
        messages.success(request, "New feed address made. The old one no longer works.")
        return redirect("schedule:feed_settings")
    url = request.build_absolute_uri(reverse("schedule:feed", args=[feed.token])) if feed else ""
    return render(request, "scheduling/feed_settings.html", {"feed": feed, "feed_url": url})


def clinician_feed(request, token: str):
    """The private feed itself: the secret token is the only key, so no login."""
    feed = get_object_or_404(working_feeds(), token=token)
    return ics_response(clinician_calendar(feed, request.get_host()), "clinics.ics")
