"""Treatments' home-page sections: serious side effects; the portal's check-in and after-care."""

from clinic.sections import Section
from treatments.checkins import check_in_due
from treatments.models import AdverseEvent, InjectionSession


def serious_events(*, request, today) -> list[Section]:
    events = AdverseEvent.objects.awaiting_acknowledgement()
    return [
        Section(
            "Serious side effects to acknowledge",
            "treatments/partials/serious_events.html",
            {"serious_events": events},
        )
    ]


def portal_check_in(*, patient, today) -> list[Section]:
    """The side-effect check-in, 2 to 4 weeks after a session, until answered."""
    session = check_in_due(patient, today)
    if session is None:
        return []
    return [
        Section(
            "Side-effect check-in",
            "treatments/partials/portal_check_in.html",
            {"check_in": session},
        )
    ]


def portal_aftercare(*, patient, today) -> list[Section]:
    """What to expect after the last session."""
    last = InjectionSession.objects.filter(patient=patient).order_by("-performed_on").first()
    if last is None:
        return []
    return [
        Section(
            "After your injections",
            "treatments/partials/portal_aftercare.html",
            {"last_session": last},
        )
    ]
