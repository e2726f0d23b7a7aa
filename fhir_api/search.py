"""Search parameters as FHIR writes them: dates with prefixes, references, tokens, paging.

Each parser raises an `invalid` FhirError (400) with a message saying what is wrong.
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from fhir_api.outcomes import invalid

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10**9  # PostgreSQL's OFFSET is a bigint: refuse what would overflow it
PAGING = {"_count", "_offset"}
IGNORED = {"_format"}  # we only speak JSON: accepted and ignored
DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
SUPPORTED_PREFIXES = {"eq", "gt", "lt", "ge", "le"}


@dataclass(frozen=True)
class DateParam:
    """A date search value: its prefix and the days its precision covers (2026 is a year)."""

    prefix: str
    low: date
    high: date

    @classmethod
    def parse(cls, name: str, text: str) -> "DateParam":
        match = DATE.match(text)
        if not match:
            raise invalid(
                f"{name}={text}: give a date as YYYY, YYYY-MM or YYYY-MM-DD, optionally "
                "after a prefix eq, ge, le, gt or lt (e.g. ge2026-01-31)."
            )
        prefix, year, month, day = match.groups()
        prefix = prefix or "eq"
        if prefix not in SUPPORTED_PREFIXES:
            raise invalid(f"{name}={text}: the prefix {prefix} is not supported here.")
        try:
            if day:
                low = high = date(int(year), int(month), int(day))
            elif month:
                low = date(int(year), int(month), 1)
                high = low.replace(day=monthrange(low.year, low.month)[1])
            else:
                low, high = date(int(year), 1, 1), date(int(year), 12, 31)
        except ValueError:
            raise invalid(f"{name}={text}: there is no such date.") from None
        return cls(prefix, low, high)

    def matches(self, start: date, end: date) -> bool:
        """Whether a target spanning `start` to `end` matches (FHIR's rules for ranges)."""
        return {
            "eq": self.low <= start and end <= self.high,
            "ge": end >= self.low,
            "le": start <= self.high,
            "gt": end > self.high,
            "lt": start < self.low,
        }[self.prefix]

    def q(self, field: str) -> Q:
        """The same test on a date column (`field` may be e.g. "starts_at__date")."""
        return {
            "eq": Q(**{f"{field}__range": (self.low, self.high)}),
            "ge": Q(**{f"{field}__gte": self.low}),
            "le": Q(**{f"{field}__lte": self.high}),
            "gt": Q(**{f"{field}__gt": self.high}),
            "lt": Q(**{f"{field}__lt": self.low}),
        }[self.prefix]


def dates(params, name: str) -> list[DateParam]:
    """Every value of a date parameter (date=ge2026-01-01&date=le2026-03-31: both apply)."""
    return [DateParam.parse(name, text) for text in params.getlist(name)]


def reference_id(name: str, text: str, resource_type: str = "Patient") -> int:
    """The id in "Patient/12" or "12"."""
    value = text.removeprefix(f"{resource_type}/")
    if not value.isdigit() or len(value) > 12:
        raise invalid(f"{name}={text}: give a {resource_type} id, e.g. {resource_type}/12.")
    return int(value)


def token(text: str) -> tuple[str | None, str]:
    """A token "system|value" (system None when not given, "" when given empty)."""
    if "|" in text:
        system, _, value = text.partition("|")
        return system, value
    return None, text


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


def page(params) -> Page:
    count = _int(params, "_count", DEFAULT_COUNT, 1, MAX_COUNT)
    return Page(count, _int(params, "_offset", 0, 0, MAX_OFFSET))


def _int(params, name, default, lowest, highest) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise invalid(f"{name}={text}: give a whole number from {lowest} to {highest}.")
    return int(text)


def check_names(params, allowed: set[str], resource_type: str) -> None:
    """Refuse parameters we do not support, rather than silently returning everything."""
    unknown = sorted(set(params) - allowed - PAGING - IGNORED)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise invalid(
            f"{resource_type} cannot be searched by {', '.join(unknown)} here (supported: {known})."
        )
