"""Pages composed of sections that the apps above contribute, so no page imports upward.

A page (the patient chart, a home page, the portal home) asks `sections(page, **args)`; each
app registers its providers for that page in its `AppConfig.ready()` with `contribute`. A
provider takes the page's keyword arguments and returns a list of `Section`s (empty when the
viewer's role should not see it). Sections come out in `order`, then registration order.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

CHART = "chart"  # provider(patient, role)
NEUROLOGIST_HOME = "neurologist_home"  # provider(request, today)
FRONT_DESK_HOME = "front_desk_home"  # provider(request, today)
PORTAL_HOME = "portal_home"  # provider(patient, today): near the top of the portal home
PORTAL_HOME_MORE = "portal_home_more"  # provider(patient, today): after the diary summary
PAGES = {CHART, NEUROLOGIST_HOME, FRONT_DESK_HOME, PORTAL_HOME, PORTAL_HOME_MORE}


@dataclass(frozen=True)
class Section:
    """One titled block of a page, rendered from `template` with `context` added."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    anchor: str = ""


Provider = Callable[..., list[Section]]
_providers: dict[str, list[tuple[int, Provider]]] = defaultdict(list)


def contribute(page: str, provider: Provider, *, order: int) -> None:
    """Add `provider`'s sections to `page`; calling it again for the same provider is a no-op."""
    if page not in PAGES:
        raise ValueError(f"No page {page!r}; pages are {sorted(PAGES)}.")
    if all(existing is not provider for _, existing in _providers[page]):
        _providers[page].append((order, provider))
        _providers[page].sort(key=lambda item: item[0])


def sections(page: str, **arguments) -> list[Section]:
    """Every section contributed to `page`, in order."""
    return [section for _, provider in _providers[page] for section in provider(**arguments)]
