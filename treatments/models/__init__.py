"""Treatment models, one module per concept; import them from `treatments.models`."""

from treatments.models.checkins import SideEffectCheckIn
from treatments.models.checks import PreInjectionCheck
from treatments.models.costs import CostSettings
from treatments.models.protocols import MuscleGroup, Protocol, ProtocolAddition, ProtocolSite, Side
from treatments.models.sessions import (
    AdverseEvent,
    InjectedSite,
    InjectionSession,
    SessionAmendment,
)

__all__ = [
    "AdverseEvent",
    "CostSettings",
    "InjectedSite",
    "InjectionSession",
    "MuscleGroup",
    "PreInjectionCheck",
    "Protocol",
    "ProtocolAddition",
    "ProtocolSite",
    "SessionAmendment",
    "SideEffectCheckIn",
    "Side",
]
