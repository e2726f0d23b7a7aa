"""Build the POST data of the session form, as a browser would send it."""

from datetime import date, timedelta

from treatments.models import InjectionSession, PreInjectionCheck
from treatments.pre_injection import before_injection, warning_field
from treatments.protocols import preempt_protocol

REASON = "Discussed with the patient and the team: benefits outweigh the risks."


def confirmed_check(patient, day: date, **answers) -> PreInjectionCheck:
    """A checklist answered "no" to every question asked, with a reason for every warning."""
    context = before_injection(patient, day)
    return PreInjectionCheck(
        consent_on_file=True,
        serious_events_reviewed=True if context.serious_events else None,
        warnings=[{"warning": warning, "reason": REASON} for warning in context.warnings],
        **({name: "no" for name in context.questions} | answers),
    )


def check_post(patient, day: date, **answers) -> dict:
    """The checklist part of the new-session form, answered as `confirmed_check`."""
    context = before_injection(patient, day)
    data = {"check-consent_on_file": "on", "check-findings_note": ""}
    data |= {f"check-{name}": "no" for name in context.questions}
    data |= {f"check-{warning_field(warning)}": REASON for warning in context.warnings}
    if context.serious_events:
        data["check-serious_events_reviewed"] = "on"
    return data | {f"check-{name}": value for name, value in answers.items()}


def session_post(
    protocol=None,
    *,
    session: InjectionSession | None = None,
    patient=None,
    units: dict | None = None,
    skipped=(),
    extras=(),
    **fields,
) -> dict:
    """A full form: every protocol site (defaults, `units` by code, `skipped` codes) and
    follow-the-pain `extras` as (muscle group, side, units); for a new session of `patient`,
    the checklist answered as `check_post`."""
    protocol = protocol or preempt_protocol()
    day = fields.pop("performed_on", session.performed_on if session else date.today())
    data = {
        "protocol": protocol.pk,
        "performed_on": day.isoformat(),
        "injector": fields.pop("injector", ""),
        "product": "botox",
        "vial_size": "200",
        "vials_used": "1",
        "lot_number": "C1234C3",
        "lot_expiry": (day + timedelta(days=300)).isoformat(),
        "dilution": "5.0",
        "injection_time": "10:00",
        "reconstituted_at": f"{day.isoformat()}T09:15",
        "early_reason": "",
        "notes": "",
        "form_token": "",
    }
    if session is not None:
        del data["form_token"]
    elif patient is not None:
        data |= check_post(patient, day)
    data.update({key: str(value) for key, value in fields.items()})
    sites = list(protocol.sites.all())
    data |= {"site-TOTAL_FORMS": len(sites), "site-INITIAL_FORMS": len(sites)}
    for index, site in enumerate(sites):
        data[f"site-{index}-protocol_site"] = site.pk
        data[f"site-{index}-units"] = str((units or {}).get(site.code, site.default_units))
        if site.code in skipped:
            data[f"site-{index}-skipped"] = "on"
    rows = max(protocol.max_additional_sites, len(extras))
    data |= {"extra-TOTAL_FORMS": rows, "extra-INITIAL_FORMS": rows}
    for index in range(rows):
        group, side, amount = extras[index] if index < len(extras) else ("", "left", "")
        data[f"extra-{index}-muscle_group"] = group
        data[f"extra-{index}-side"] = side
        data[f"extra-{index}-units"] = str(amount)
    return data
