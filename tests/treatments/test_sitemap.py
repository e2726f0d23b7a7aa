from decimal import Decimal

import pytest

from tests.factories import InjectionSessionFactory
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
