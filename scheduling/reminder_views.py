"""Reminder pages: the desk's overview and letter batch, and the patient's one-time link page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.roles import staff_required
from scheduling.models import CallAttempt
from scheduling.reminder_desk import letters_printed, letters_to_print, reminder_desk
from scheduling.reminders import LinkError, message, reminder_answer, reminder_for_link


@staff_required
def reminders(request):
    """Who confirmed, who asked to change, who cannot be reached, what failed, and counts."""
    desk = reminder_desk(timezone.now())
    return render(
        request,
        "scheduling/reminders.html",
        {"desk": desk, "call_outcomes": CallAttempt.Outcome.choices, "testid": "reminder-calls"},
    )


@staff_required
def letters(request):
    """The letters to print, one a page on the clinic's letterhead."""
    now = timezone.now()
    batch = [(letter, message(letter, links=False)[1]) for letter in letters_to_print(now)]
    return render(
        request, "scheduling/letters.html", {"batch": batch, "today": timezone.localdate(now)}
    )


@staff_required
@require_POST
def letters_mark_printed(request):
    ids = [int(pk) for pk in request.POST.getlist("letter") if pk.isdigit()]
    count = letters_printed(reminder_ids=ids, by=request.user, now=timezone.now())
    if count:
        messages.success(request, f"{count} letter{'s' if count != 1 else ''} recorded as printed.")
    else:
        messages.info(request, "Those letters were already recorded as printed.")
    return redirect("schedule:reminders")


def reminder_answer_page(request, token: str):
    """Public: a reminder's confirm or change link. GET shows the appointment and one button;
    POST records the answer, once."""
    now = timezone.now()
    try:
        if request.method == "POST":
            reminder = reminder_answer(token=token, now=now)
            return render(request, "scheduling/reminder_answered.html", {"reminder": reminder})
        reminder, action = reminder_for_link(token, now)
    except LinkError as error:
        return render(
            request, "scheduling/reminder_link_closed.html", {"why": str(error)}, status=410
        )
    return render(
        request, "scheduling/reminder_answer.html", {"reminder": reminder, "action": action}
    )
