"""The domain functions directly: site checks and the race the patient lock prevents."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from treatments.protocols import preempt_protocol
from treatments.recording import AdditionEntry, SiteEntry, build_sites, initial_sites

pytestmark = pytest.mark.django_db


def defaults(protocol):
    return [SiteEntry(row["protocol_site"], row["units"]) for row in initial_sites(protocol)]


def test_follow_the_pain_is_refused_where_the_protocol_allows_none():
    protocol = preempt_protocol()
    with pytest.raises(ValidationError, match="no follow-the-pain sites in Cervical paraspinal"):
        build_sites(
            protocol, defaults(protocol), [AdditionEntry("cervical_paraspinal", "left", Decimal(5))]
        )


def test_a_protocol_site_entered_twice_is_refused():
    protocol = preempt_protocol()
    sites = defaults(protocol)
    with pytest.raises(ValidationError, match="entered twice"):
        build_sites(protocol, [*sites, sites[0]], [])


def test_the_full_follow_the_pain_allowance_reaches_195_units_at_39_sites():
    protocol = preempt_protocol()
    extras = [AdditionEntry("temporalis", "left", Decimal(5))] * 2
    extras += [AdditionEntry("occipitalis", "right", Decimal(5))] * 2
    extras += [AdditionEntry("trapezius", "left", Decimal(5))] * 4
    rows = build_sites(protocol, defaults(protocol), extras)
    assert (len(rows), sum(row.units for row in rows)) == (39, Decimal(195))
