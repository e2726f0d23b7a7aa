"""Build the POST data of the session form, as a browser would send it."""

from datetime import date, timedelta

from treatments.models import InjectionSession
from treatments.protocols import preempt_protocol


def session_post(
    protocol=None,
    *,
    session: InjectionSession | None = None,
    units: dict | None = None,
    skipped=(),
    extras=(),
    **fields,
) -> dict:
    """A full form: every protocol site (defaults, `units` by code, `skipped` codes) and
    follow-the-pain `extras` as (muscle group, side, units)."""
    protocol = protocol or preempt_protocol()
    day = fields.pop("performed_on", date.today())
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
        "reconstituted_at": f"{day.isoformat()}T09:15",
        "early_reason": "",
        "notes": "",
        "form_token": "",
    }
    if session is not None:
        del data["performed_on"], data["form_token"]
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
