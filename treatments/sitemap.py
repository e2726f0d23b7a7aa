"""The SVG drawing of the head and neck, and where each injected site goes on it.

The drawing's landmarks (brows, nasion, temple, occiput, neck, shoulders) and the muscles are
defined here once: the template draws them, and tests/treatments/test_sitemap.py checks every
PREEMPT site and every follow-the-pain spot against them (the paradigm's diagrams, Blumenfeld
2010: corrugator above the medial brow, procerus between the brows above the nasion, temporalis
in the temple, occipitalis above the nuchal line, cervical paraspinals on the neck, trapezius on
the shoulders). Coordinates run 0–100 in each panel. In the front view the patient's right is on
the viewer's left; the right side view is the left one mirrored (x → 100 − x).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from math import sqrt

from django.utils.safestring import mark_safe

from treatments.models.protocols import MapView, format_units


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float

    def contains(self, x: float, y: float) -> bool:
        return ((x - self.cx) / self.rx) ** 2 + ((y - self.cy) / self.ry) ** 2 <= 1

    def bottom_at(self, x: float) -> float:
        """The y of the ellipse's lower edge at `x` (its centre line outside it)."""
        inside = max(0.0, 1 - ((x - self.cx) / self.rx) ** 2)
        return self.cy + self.ry * sqrt(inside)

    def svg(self, css: str) -> str:
        return (
            f'<ellipse class="{css}" cx="{self.cx}" cy="{self.cy}" rx="{self.rx}" ry="{self.ry}"/>'
        )


@dataclass(frozen=True)
class Brow:
    lateral: float  # x of the lateral end
    medial: float  # x of the medial end
    y: float  # the brow line at its medial end (the arch rises 3 above it mid-brow)

    def svg(self) -> str:
        middle = (self.lateral + self.medial) / 2
        return (
            f'<path class="outline-detail brow" d="M{self.lateral} {self.y + 1} '
            f'Q{middle} {self.y - 4} {self.medial} {self.y}"/>'
        )


def _path(css: str, d: str) -> str:
    return f'<path class="{css}" d="{d}"/>'


def _points(points) -> str:
    return " L".join(f"{x} {y}" for x, y in points)


# -- front ------------------------------------------------------------------------------------
FRONT_HEAD = Ellipse(50, 49, 28, 37)  # vertex at 12, chin at 86
BROWS = {"right": Brow(lateral=33, medial=47, y=46), "left": Brow(lateral=67, medial=53, y=46)}
NASION = (50, 49)
FOREHEAD = Ellipse(50, 33, 22, 10)  # frontalis, above the corrugators
CORRUGATORS = {"right": Ellipse(43, 42.5, 5.5, 2.5), "left": Ellipse(57, 42.5, 5.5, 2.5)}
PROCERUS = Ellipse(50, 46, 2.5, 3.5)

# -- side (the left side; the right is drawn mirrored) -----------------------------------------
SIDE_HEAD = Ellipse(54, 44, 28, 34)
SIDE_EYE_Y = 45
EAR = Ellipse(60, 49, 4, 7)
TEMPLE = Ellipse(51, 33, 18, 13)  # temporalis: above the zygomatic arch, in front of the ear

# -- back -------------------------------------------------------------------------------------
BACK_HEAD = Ellipse(50, 32, 26, 26)  # vertex at 6, the skull's lower edge at 58
NUCHAL_LINE_Y = 50  # the superior nuchal line at the midline (the occipital protuberance)
OCCIPUT = Ellipse(50, 38, 25, 11)  # occipitalis, above the nuchal line
NECK = (39, 61)  # x of the neck's sides in the back view
SHOULDER_LINE = [(0, 88), (6, 81), (18, 76), (38, 72), (62, 72), (82, 76), (94, 81), (100, 88)]


def shoulder_top(x: float) -> float:
    """The y of the shoulders' upper edge at `x` in the back view."""
    for (x0, y0), (x1, y1) in zip(SHOULDER_LINE, SHOULDER_LINE[1:], strict=False):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise ValueError(f"x={x} is outside the drawing")


def _front() -> str:
    return "".join(
        [
            _path("outline", "M40 80 L40 100 L60 100 L60 80 Z"),
            Ellipse(21.5, 52, 3.5, 7).svg("outline"),
            Ellipse(78.5, 52, 3.5, 7).svg("outline"),
            FRONT_HEAD.svg("outline"),
            FOREHEAD.svg("muscle"),
            CORRUGATORS["right"].svg("muscle"),
            CORRUGATORS["left"].svg("muscle"),
            PROCERUS.svg("muscle"),
            BROWS["right"].svg(),
            BROWS["left"].svg(),
            Ellipse(40, 51.5, 4.5, 2).svg("outline-detail"),
            Ellipse(60, 51.5, 4.5, 2).svg("outline-detail"),
            _path("outline-detail", f"M{NASION[0] - 1.5} {NASION[1]} L47 61 Q50 64 53 61"),
            _path("outline-detail", "M43 71 Q50 74 57 71"),
        ]
    )


def _side() -> str:
    return "".join(
        [
            _path("outline", "M44 72 L42 96 L70 96 L70 70 Z"),
            SIDE_HEAD.svg("outline"),
            _path("outline", "M28 40 L20 54 L28 57 Z"),
            TEMPLE.svg("muscle"),
            EAR.svg("outline"),
            _path("outline-detail", "M29 40 L37 38"),  # the brow
            _path("outline-detail", f"M30 {SIDE_EYE_Y} L36 {SIDE_EYE_Y}"),
            _path("outline-detail", "M29 66 L35 66"),
        ]
    )


def _back() -> str:
    left, right = NECK
    return "".join(
        [
            _path("outline", f"M0 100 L{_points(SHOULDER_LINE)} L100 100 Z"),
            _path("muscle", f"M{_points(SHOULDER_LINE[:4])} L{left} 100 L0 100 Z"),
            _path("muscle", f"M{_points(SHOULDER_LINE[4:])} L100 100 L{right} 100 Z"),
            _path("outline", f"M{left} 50 L{left} 76 L{right} 76 L{right} 50 Z"),
            _path("muscle", f"M{left + 2} 54 L48 54 L48 76 L{left + 2} 76 Z"),
            _path("muscle", f"M52 54 L{right - 2} 54 L{right - 2} 76 L52 76 Z"),
            Ellipse(24, 36, 3.5, 7).svg("outline"),
            Ellipse(76, 36, 3.5, 7).svg("outline"),
            BACK_HEAD.svg("outline"),
            OCCIPUT.svg("muscle"),
            _path("outline-detail", f"M28 48 Q50 {NUCHAL_LINE_Y + 4} 72 48"),
            _path("outline-detail", "M50 60 L50 99"),
        ]
    )


DRAWINGS = {"front": _front(), "left": _side(), "right": _side(), "back": _back()}
MIRRORED = {"right"}

# Follow-the-pain sites have no fixed place: they go to these spots, in order, per muscle group
# and side (panel, x, y), each in its muscle and clear of the fixed sites; muscle groups not
# listed here go to the back view's upper back.
ADDITION_SPOTS = {
    ("temporalis", "left"): [("left", 37, 30), ("left", 53, 37)],
    ("temporalis", "right"): [("right", 63, 30), ("right", 47, 37)],
    ("occipitalis", "left"): [("back", 43, 31), ("back", 38, 47)],
    ("occipitalis", "right"): [("back", 57, 31), ("back", 62, 47)],
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

    @property
    def mirrored(self) -> bool:
        return self.view in MIRRORED

    @property
    def drawing(self) -> str:
        """The outline and the muscles, as SVG markup (our own constants only)."""
        return mark_safe(DRAWINGS[self.view])  # noqa: S308


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
