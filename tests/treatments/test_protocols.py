from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from treatments.models import Protocol
from treatments.protocols import PREEMPT_NAME, preempt_protocol

pytestmark = pytest.mark.django_db


def test_the_migration_installs_preempt_with_155_units_at_31_sites():
    protocol = Protocol.objects.get(name=PREEMPT_NAME)
    totals = protocol.sites.aggregate(units=Sum("default_units"), sites=Count("id"))
    assert totals == {"units": Decimal("155"), "sites": 31}
    assert protocol.max_session_units == Decimal("195")


def test_preempt_sites_per_muscle_group_and_side_follow_the_paradigm():
    protocol = preempt_protocol()
    counts = {
        (row["muscle_group"], row["side"]): row["n"]
        for row in protocol.sites.values("muscle_group", "side").annotate(n=Count("id"))
    }
    assert counts == {
        ("corrugator", "left"): 1,
        ("corrugator", "right"): 1,
        ("procerus", "midline"): 1,
        ("frontalis", "left"): 2,
        ("frontalis", "right"): 2,
        ("temporalis", "left"): 4,
        ("temporalis", "right"): 4,
        ("occipitalis", "left"): 3,
        ("occipitalis", "right"): 3,
        ("cervical_paraspinal", "left"): 2,
        ("cervical_paraspinal", "right"): 2,
        ("trapezius", "left"): 3,
        ("trapezius", "right"): 3,
    }


def test_follow_the_pain_allows_8_sites_to_195_units_and_none_in_the_neck():
    protocol = preempt_protocol()
    additions = dict(protocol.additions.values_list("muscle_group", "max_sites"))
    assert additions == {"temporalis": 2, "occipitalis": 2, "trapezius": 4}
    assert protocol.max_additional_sites == 8
    assert 155 + 5 * sum(additions.values()) == 195
