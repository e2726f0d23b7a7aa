"""The PREEMPT protocol as data (DOMAIN.md §1) and the sites a session starts from."""

from decimal import Decimal

PREEMPT_NAME = "PREEMPT (chronic migraine)"
PREEMPT_DESCRIPTION = (
    "Fixed-site, fixed-dose paradigm: 155 U at 31 sites, 5 U per site. Follow-the-pain adds up "
    "to 40 U at 8 more sites in temporalis, occipitalis and trapezius (at most 195 U at 39 "
    "sites); none in the cervical paraspinals. Needle 30-gauge, 0.5 inch (1 inch in a thick neck)."
)
FIVE = Decimal("5.0")

# code, muscle group, side, drawing panel, x, y (0–100 within the panel).
# In the front view the patient's right is on the viewer's left; in the back view it is not.
PREEMPT_SITES = [
    ("COR-R", "corrugator", "right", "front", 43, 41),
    ("COR-L", "corrugator", "left", "front", 57, 41),
    ("PRO", "procerus", "midline", "front", 50, 45),
    ("FRO-R1", "frontalis", "right", "front", 44, 29),
    ("FRO-R2", "frontalis", "right", "front", 34, 30),
    ("FRO-L1", "frontalis", "left", "front", 56, 29),
    ("FRO-L2", "frontalis", "left", "front", 66, 30),
    ("TEM-L1", "temporalis", "left", "left", 44, 36),
    ("TEM-L2", "temporalis", "left", "left", 50, 26),
    ("TEM-L3", "temporalis", "left", "left", 60, 24),
    ("TEM-L4", "temporalis", "left", "left", 62, 34),
    ("TEM-R1", "temporalis", "right", "right", 56, 36),
    ("TEM-R2", "temporalis", "right", "right", 50, 26),
    ("TEM-R3", "temporalis", "right", "right", 40, 24),
    ("TEM-R4", "temporalis", "right", "right", 38, 34),
    ("OCC-L1", "occipitalis", "left", "back", 42, 40),
    ("OCC-L2", "occipitalis", "left", "back", 34, 33),
    ("OCC-L3", "occipitalis", "left", "back", 31, 43),
    ("OCC-R1", "occipitalis", "right", "back", 58, 40),
    ("OCC-R2", "occipitalis", "right", "back", 66, 33),
    ("OCC-R3", "occipitalis", "right", "back", 69, 43),
    ("CPS-L1", "cervical_paraspinal", "left", "back", 44, 60),
    ("CPS-L2", "cervical_paraspinal", "left", "back", 44, 69),
    ("CPS-R1", "cervical_paraspinal", "right", "back", 56, 60),
    ("CPS-R2", "cervical_paraspinal", "right", "back", 56, 69),
    ("TRA-L1", "trapezius", "left", "back", 34, 78),
    ("TRA-L2", "trapezius", "left", "back", 24, 82),
    ("TRA-L3", "trapezius", "left", "back", 14, 86),
    ("TRA-R1", "trapezius", "right", "back", 66, 78),
    ("TRA-R2", "trapezius", "right", "back", 76, 82),
    ("TRA-R3", "trapezius", "right", "back", 86, 86),
]
PREEMPT_ADDITIONS = [("temporalis", 2), ("occipitalis", 2), ("trapezius", 4)]


def install_preempt(protocol_model, site_model, addition_model):
    """Create the PREEMPT protocol if missing (models passed in so migrations can call it)."""
    protocol, created = protocol_model.objects.get_or_create(
        name=PREEMPT_NAME,
        defaults={
            "indication": "chronic_migraine",
            "description": PREEMPT_DESCRIPTION,
            "max_session_units": Decimal("195"),
            "max_additional_sites": 8,
        },
    )
    if not created:
        return protocol
    site_model.objects.bulk_create(
        site_model(
            protocol=protocol,
            code=code,
            muscle_group=group,
            side=side,
            default_units=FIVE,
            order=order,
            view=view,
            x=x,
            y=y,
        )
        for order, (code, group, side, view, x, y) in enumerate(PREEMPT_SITES, start=1)
    )
    addition_model.objects.bulk_create(
        addition_model(protocol=protocol, muscle_group=group, max_sites=count, default_units=FIVE)
        for group, count in PREEMPT_ADDITIONS
    )
    return protocol


def preempt_protocol():
    """The PREEMPT protocol (installed again if a test flushed the tables)."""
    from treatments.models import Protocol, ProtocolAddition, ProtocolSite

    return install_preempt(Protocol, ProtocolSite, ProtocolAddition)
