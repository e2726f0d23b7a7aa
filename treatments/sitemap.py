"""Where each injected site goes on the SVG drawing of the head and neck."""

from dataclasses import dataclass, field
from decimal import Decimal

from treatments.models.protocols import MapView, format_units

# Follow-the-pain sites have no fixed place: they go to these spots, in order, per muscle group
# and side (panel, x, y); muscle groups not listed here go to the back view's neck.
ADDITION_SPOTS = {
    ("temporalis", "left"): [("left", 52, 15), ("left", 71, 27)],
    ("temporalis", "right"): [("right", 48, 15), ("right", 29, 27)],
    ("occipitalis", "left"): [("back", 38, 22), ("back", 28, 25)],
    ("occipitalis", "right"): [("back", 62, 22), ("back", 72, 25)],
    ("trapezius", "left"): [("back", 30, 91), ("back", 20, 94), ("back", 40, 88), ("back", 10, 95)],
    ("trapezius", "right"): [
        ("back", 70, 91),
        ("back", 80, 94),
        ("back", 60, 88),
        ("back", 90, 95),
    ],
}
FALLBACK_SPOT = ("back", 50, 90)


@dataclass
class Mark:
    x: int
    y: int
    units: Decimal
    kind: str  # "given", "skipped" or "extra"
    label: str


@dataclass
class Panel:
    view: str
    title: str
    marks: list[Mark] = field(default_factory=list)


def site_map(sites) -> list[Panel]:
    """Panels (front, left, right, back) with a mark for every site of a session.

    `sites` are InjectedSite rows with `protocol_site` loaded.
    """
    panels = {view: Panel(view, label) for view, label in MapView.choices}
    used: dict[tuple[str, str], int] = {}
    for site in sites:
        if site.protocol_site_id:
            spot = site.protocol_site
            view, x, y = spot.view, spot.x, spot.y
            kind = "skipped" if site.skipped else "given"
            label = f"{spot.code}: " + (
                "skipped" if site.skipped else f"{format_units(site.units)} U"
            )
        else:
            key = (site.muscle_group, site.side)
            spots = ADDITION_SPOTS.get(key, [])
            index = used.get(key, 0)
            used[key] = index + 1
            view, x, y = spots[index] if index < len(spots) else FALLBACK_SPOT
            kind = "extra"
            label = (
                f"Follow-the-pain {site.get_muscle_group_display().lower()} {site.side}: "
                f"{format_units(site.units)} U"
            )
        panels[view].marks.append(Mark(x, y, site.units, kind, label))
    return list(panels.values())
