"""What a session costs and the yearly quote patients ask for (DOMAIN.md §6)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from treatments.courses import INTERVAL_DAYS
from treatments.models import CostSettings, InjectionSession
from treatments.models.protocols import format_units

SESSIONS_PER_YEAR = Decimal(365) / INTERVAL_DAYS  # about 4.3 at 12-week intervals
# Without a session yet, a quote assumes PREEMPT: 155 U from a 200 U vial.
DEFAULT_PLAN = (Decimal("155"), Decimal("45"))
PENNY = Decimal("0.01")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def billed_units(units_given: Decimal, units_discarded: Decimal, prices: CostSettings) -> Decimal:
    return units_given + (units_discarded if prices.bill_discarded_units else Decimal(0))


def session_cost(session: InjectionSession, prices: CostSettings) -> Decimal:
    """Units (with discarded ones where billed) × price per unit + administration fee."""
    units = billed_units(session.units_given, session.units_discarded, prices)
    return money(units * prices.price_per_unit + prices.administration_fee)


@dataclass(frozen=True)
class QuoteLine:
    label: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    units_per_session: Decimal
    discarded_per_session: Decimal
    based_on: InjectionSession | None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def yearly_quote(latest: InjectionSession | None, prices: CostSettings) -> Quote:
    """A year of treatment at 12-week intervals, planned as the latest session (or PREEMPT)."""
    given, discarded = (latest.units_given, latest.units_discarded) if latest else DEFAULT_PLAN
    sessions = SESSIONS_PER_YEAR.quantize(Decimal("0.01"))
    lines = [
        QuoteLine(
            f"Botox units given ({format_units(given)} U a session)",
            given * sessions,
            prices.price_per_unit,
        ),
    ]
    if prices.bill_discarded_units and discarded:
        lines.append(
            QuoteLine(
                f"Units discarded from the vial ({format_units(discarded)} U a session)",
                discarded * sessions,
                prices.price_per_unit,
            )
        )
    lines.append(QuoteLine("Administration fee per session", sessions, prices.administration_fee))
    if prices.review_visits_per_year:
        lines.append(
            QuoteLine(
                "Review visits", Decimal(prices.review_visits_per_year), prices.review_visit_fee
            )
        )
    return Quote(lines, given, discarded, latest)
