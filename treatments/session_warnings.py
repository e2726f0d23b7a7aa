"""Warnings before an injection that only the apps above treatments can know of.

DOMAIN.md §4, "Before each injection": a `stop` or `pause` decision standing is a warning the
clinician acknowledges with a reason. The course state lives above treatments (scheduling), so
the session form asks `warnings_for(patient, on)`, and each app above registers a provider in its
`AppConfig.ready()` with `contribute(provider)`. A provider returns plain sentences; an empty
list means nothing to warn of.
"""

from collections.abc import Callable
from datetime import date

Provider = Callable[..., list[str]]
_providers: list[Provider] = []


def contribute(provider: Provider) -> None:
    """Add `provider(patient, on)`; calling it again for the same provider is a no-op."""
    if all(existing is not provider for existing in _providers):
        _providers.append(provider)


def warnings_for(patient, on: date) -> list[str]:
    """Every contributed warning for injecting `patient` on `on`, in registration order."""
    return [warning for provider in _providers for warning in provider(patient, on)]
