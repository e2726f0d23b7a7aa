"""The waitlist pages: the desk's list of free slots and who fits, adding and removing
patients, offering a slot; and the patient's page behind an offer's emailed link."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.forms import add_model_errors
from clinic.roles import staff_required
from patients.access import staff_patient
from patients.chart import patient_header
from scheduling.models import Appointment, SlotOffer, WaitlistEntry
from scheduling.waitlist import (
    DAYS_AHEAD,
    LinkExpired,
    Waiting,
    fitting_count,
    offer_accept,
    offer_decline,
    offer_from_token,
    offer_slot,
    waitlist_add,
    waitlist_remove,
    waitlist_slots,
)
from scheduling.waitlist_forms import OfferForm, RemoveForm, WaitlistForm

OFFER_PAGE = "scheduling/waitlist/offer.html"


@staff_required
def waitlist(request):
    """Free slots of the coming days with the waiting patients who fit each; the waitlist."""
    now = timezone.now()
    today = timezone.localdate(now)
    waiting = Waiting.load(today)
    offers = (
        SlotOffer.objects.filter(starts_at__gt=now)
        .select_related("patient", "clinician")
        .order_by("starts_at", "offered_at")
    )
    return render(
        request,
        "scheduling/waitlist/waitlist.html",
        {
            "fits": waitlist_slots(today=today, now=now, waiting=waiting),
            "entries": [
                (entry, waiting.courses.get(entry.patient_id)) for entry in waiting.entries
            ],
            "offers": offers,
            "days_ahead": DAYS_AHEAD,
            "now": now,
            "remove_form": RemoveForm(),
        },
    )


@staff_required
def waitlist_join(request, patient_id: int):
    """Put a patient on the waitlist for an earlier slot (from the chart or an appointment)."""
    patient = staff_patient(request, patient_id)
    now = timezone.now()
    bookings = patient.appointments.filter(
        status=Appointment.Status.BOOKED, starts_at__gt=now, kind__in=WaitlistEntry.Kind.values
    ).select_related("clinician")
    initial = {"times": WaitlistEntry.Times.ANY, "kind": WaitlistEntry.Kind.INJECTION}
    asked = request.GET.get("appointment", "")
    chosen = bookings.filter(pk=asked).first() if asked.isdigit() else None
    if chosen:
        initial |= {"appointment": chosen.pk, "kind": chosen.kind}
    form = WaitlistForm(request.POST or None, initial=initial, bookings=bookings)
    waiting = patient.waitlist_entries.filter(status=WaitlistEntry.Status.WAITING).first()
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_add(patient=patient, by=request.user, now=now, **form.cleaned_data)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(
                request, f"{patient.full_name} is on the waitlist for an earlier slot."
            )
            return redirect(reverse("patients:chart", args=[patient.pk]) + "#appointments")
    audit.record_view(request, patient, "waitlist")
    return render(
        request,
        "scheduling/waitlist/join.html",
        {**patient_header(patient), "form": form, "waiting": waiting},
    )


@staff_required
@require_POST
def waitlist_leave(request, patient_id: int, entry_id: int):
    """Take a patient off the waitlist (the entry and its history are kept)."""
    patient = staff_patient(request, patient_id)
    entry = get_object_or_404(patient.waitlist_entries, pk=entry_id)
    form = RemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        waitlist_remove(entry, reason=reason, by=request.user, now=timezone.now())
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, f"{patient.full_name} is off the waitlist.")
    return redirect("schedule:waitlist")


@staff_required
@require_POST
def waitlist_offer(request):
    """Offer one free slot to the waiting patients ticked for it: an email each."""
    form = OfferForm(request.POST)
    entry_ids = [int(value) for value in request.POST.getlist("entries") if value.isdigit()]
    if not form.is_valid():
        messages.error(request, "That slot is not one of the free slots: reload the page.")
        return redirect("schedule:waitlist")
    clinician, starts_at, ends_at = form.slot
    try:
        offers = offer_slot(
            clinician=clinician,
            starts_at=starts_at,
            ends_at=ends_at,
            entry_ids=entry_ids,
            by=request.user,
            now=timezone.now(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        when = timezone.localtime(starts_at)
        names = ", ".join(offer.patient.full_name for offer in offers)
        messages.success(
            request,
            f"Offered {when:%a %-d %b at %H:%M} with {clinician} to {names}: each has an "
            "email with a link, and the first to accept gets it.",
        )
    return redirect("schedule:waitlist")


def freed_slot_message(request, appointment: Appointment) -> None:
    """After a cancel or a move: how many on the waitlist fit the slot left free, and where."""
    count = fitting_count(appointment, now=timezone.now())
    if count:
        messages.info(
            request,
            format_html(
                '{} on the waitlist fit{} the freed slot: <a href="{}">offer it</a>.',
                f"{count} patient{'s' if count != 1 else ''}",
                "" if count != 1 else "s",
                reverse("schedule:waitlist"),
            ),
        )


def offer(request, token: str):
    """Public: the page behind an offer's emailed link, with Accept and Decline (POST)."""
    try:
        found = offer_from_token(token)
    except LinkExpired:
        return render(request, OFFER_PAGE, {"problem": "expired"}, status=410)
    except SlotOffer.DoesNotExist:
        return render(request, OFFER_PAGE, {"problem": "invalid"}, status=404)
    now = timezone.now()
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                offer_accept(found, now=now)
            elif answer == "decline":
                offer_decline(found, now=now)
        except ValidationError:
            return render(request, OFFER_PAGE, {"problem": "refused", "offer": found}, status=409)
        return redirect(request.path)
    return render(
        request,
        OFFER_PAGE,
        {"offer": found, "open": found.is_open(now), "states": SlotOffer.State, "problem": ""},
    )
