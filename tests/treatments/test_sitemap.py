from decimal import Decimal

import pytest

from tests.factories import InjectionSessionFactory
from treatments import sitemap
from treatments.models import InjectedSite
from treatments.protocols import preempt_protocol
from treatments.sitemap import ADDITION_SPOTS, site_map

pytestmark = pytest.mark.django_db


def add_preempt_sites(session, *, skipped=(), extras=0):
    """Give `session` every PREEMPT site (5 U, `skipped` codes skipped) and `extras`
    follow-the-pain trapezius sites."""
    rows = [
        InjectedSite(
            session=session,
            protocol_site=site,
            muscle_group=site.muscle_group,
            side=site.side,
            units=Decimal(0) if site.code in skipped else site.default_units,
            skipped=site.code in skipped,
        )
        for site in preempt_protocol().sites.all()
    ]
    rows += [
        InjectedSite(session=session, muscle_group="trapezius", side="left", units=Decimal(5))
        for _ in range(extras)
    ]
    InjectedSite.objects.bulk_create(rows)
    return rows


def test_every_site_is_drawn_on_its_panel():
    session = InjectionSessionFactory()
    add_preempt_sites(session, skipped=["PRO"], extras=2)
    panels = {
        panel.view: panel for panel in site_map(session.sites.select_related("protocol_site"))
    }
    kinds = [mark.kind for panel in panels.values() for mark in panel.marks]
    assert (kinds.count("given"), kinds.count("skipped"), kinds.count("extra")) == (30, 1, 2)
    assert len(panels["front"].marks) == 7  # corrugator 2, procerus 1, frontalis 4
    assert len(panels["left"].marks) == len(panels["right"].marks) == 4
    assert len(panels["back"].marks) == 16 + 2


def test_follow_the_pain_sites_take_distinct_spots():
    session = InjectionSessionFactory()
    add_preempt_sites(session, extras=4)
    back = next(
        p for p in site_map(session.sites.select_related("protocol_site")) if p.view == "back"
    )
    extra_spots = {(m.x, m.y) for m in back.marks if m.kind == "extra"}
    assert extra_spots == {(x, y) for _, x, y in ADDITION_SPOTS[("trapezius", "left")]}


# -- anatomy: every site where the PREEMPT diagrams (Blumenfeld 2010) put it ------------------


def drawn_spots():
    """(muscle group, side, panel, x, y) of every PREEMPT site as installed and of every
    follow-the-pain spot; the right side view is mirrored back to the left one's drawing."""
    spots = [
        (site.muscle_group, site.side, site.view, site.x, site.y)
        for site in preempt_protocol().sites.all()
    ]
    spots += [
        (group, side, view, x, y)
        for (group, side), places in ADDITION_SPOTS.items()
        for view, x, y in places
    ]
    return [
        (group, side, view, 100 - x if view in sitemap.MIRRORED else x, y)
        for group, side, view, x, y in spots
    ]


def spots_of(group):
    found = [spot for spot in drawn_spots() if spot[0] == group]
    assert found, group
    return found


def test_corrugator_sites_are_above_the_medial_brow_not_between_brow_and_eye():
    for _, side, view, x, y in spots_of("corrugator"):
        brow = sitemap.BROWS[side]
        assert view == "front"
        assert y < brow.y - 3  # above the brow line (the ptosis danger zone is below it)
        assert y > sitemap.FOREHEAD.cy  # low on the forehead, just above the brow
        middle = (brow.lateral + brow.medial) / 2
        assert min(middle, brow.medial) <= x <= max(middle, brow.medial)  # the medial half


def test_the_procerus_site_is_between_the_brows_above_the_nasion():
    ((_, side, view, x, y),) = spots_of("procerus")
    right, left = sitemap.BROWS["right"], sitemap.BROWS["left"]
    assert (view, side) == ("front", "midline")
    assert right.medial < x < left.medial and x == sitemap.NASION[0]
    assert y < sitemap.NASION[1]  # above the nasion
    assert abs(y - right.y) <= 2  # at the level of the brows, not at the eyes
    corrugator_y = max(y for *_, y in spots_of("corrugator"))
    assert y > corrugator_y  # and below the corrugator sites


def test_frontalis_sites_are_on_the_forehead_above_the_corrugators():
    corrugator_y = min(y for *_, y in spots_of("corrugator"))
    for _, side, view, x, y in spots_of("frontalis"):
        assert view == "front" and sitemap.FOREHEAD.contains(x, y)
        assert y < corrugator_y - 5
        assert (x < 50) == (side == "right")  # the patient's right on the viewer's left


def test_temporalis_sites_fixed_and_follow_the_pain_are_in_the_temple():
    for _, side, view, x, y in spots_of("temporalis"):
        assert view == side  # the left temple on the left side view
        assert sitemap.TEMPLE.contains(x, y), (x, y)
        assert y < sitemap.SIDE_EYE_Y  # above the zygomatic arch, nowhere near the vertex
        assert y > sitemap.SIDE_HEAD.cy - sitemap.SIDE_HEAD.ry + 12
        assert not sitemap.EAR.contains(x, y)


def test_occipitalis_sites_are_on_the_occiput_above_the_nuchal_line():
    for _, side, view, x, y in spots_of("occipitalis"):
        assert view == "back" and sitemap.OCCIPUT.contains(x, y), (x, y)
        assert y < sitemap.NUCHAL_LINE_Y
        assert (x < 50) == (side == "left")  # the back view is not mirrored


def test_cervical_paraspinal_sites_are_on_the_neck_beside_the_midline():
    left, right = sitemap.NECK
    for _, _side, view, x, y in spots_of("cervical_paraspinal"):
        assert view == "back" and left < x < right and abs(x - 50) >= 3
        assert sitemap.BACK_HEAD.bottom_at(x) < y < sitemap.shoulder_top(x)  # below the skull


def test_trapezius_sites_are_on_the_shoulders():
    left, right = sitemap.NECK
    for _, side, view, x, y in spots_of("trapezius"):
        assert view == "back"
        assert sitemap.shoulder_top(x) < y < 100 - 4, (x, y)
        assert (x < 50) == (side == "left")
        assert not left < x < right or y > sitemap.shoulder_top(x) + 10  # not on the neck


def test_no_two_marks_on_a_panel_overlap():
    by_view = {}
    for _, _, view, x, y in drawn_spots():
        by_view.setdefault(view, []).append((x, y))
    for view, points in by_view.items():
        for index, (x, y) in enumerate(points):
            for other_x, other_y in points[index + 1 :]:
                assert (x - other_x) ** 2 + (y - other_y) ** 2 >= 8**2, (view, x, y)
