"""Running an import: every row through its domain function in one transaction, every refusal
listed with its line, and nothing kept unless every row passed (or on a dry run).

A kind of record is a `Kind`: its columns and a `save(values, by)` that records one row (a dict
of the file's text, column: value) and says whether it added it or found it already there.
The CSV files and the FHIR Bundles both come here as such rows (`records_in.csv_in`,
`records_in.fhir_in`), so both pass the same rules.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from clinic.csv_safety import restore_cell
from diaries.exchange import decode

ADDED, UNCHANGED = "added", "unchanged"


class RowError(Exception):
    """A value in the row that cannot be read; the message names the column."""


@dataclass(frozen=True)
class Kind:
    name: str  # "patients", "sessions", "baselines"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    save: Callable[[dict[str, str], object], str]  # ADDED or UNCHANGED

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class Outcome:
    """What an import did: counts per kind, or the errors (and then nothing was kept)."""

    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def saved(self) -> bool:
        return not self.errors and not self.dry_run

    def summary(self) -> str:
        if self.errors:
            return f"Nothing was imported: {len(self.errors)} problem(s)."
        counts = [
            f"{self.added.get(name, 0)} {name} added, {self.unchanged.get(name, 0)} already there"
            for name in dict.fromkeys([*self.added, *self.unchanged])
        ]
        done = "Checked (dry run, nothing saved)" if self.dry_run else "Imported"
        return f"{done}: {'; '.join(counts) or 'nothing in the file'}."


def messages(error: ValidationError) -> list[str]:
    """A refusal's messages, each with its field when it has one."""
    if not hasattr(error, "error_dict"):
        return error.messages
    return [
        message if name in (None, "__all__") else f"{name}: {message}"
        for name, errors in error.message_dict.items()
        for message in errors
    ]


def import_rows(
    batches: Iterable[tuple[Kind, Iterable[tuple[str, dict[str, str]]]]], *, by, dry_run=False
) -> Outcome:
    """Save every (where, row) of each batch, in order, in one transaction; `where` names the
    row in a refusal ("Line 4", "Entry 7"). Every row is tried (each in a savepoint, so rows
    after a refused one are still checked), and all are rolled back when any was refused."""
    outcome = Outcome(dry_run=dry_run)
    with transaction.atomic():
        for kind, rows in batches:
            for where, values in rows:
                try:
                    with transaction.atomic():
                        result = kind.save(values, by)
                except RowError as error:
                    outcome.errors.append(f"{where}: {error}")
                    continue
                except ValidationError as error:
                    outcome.errors += [f"{where}: {text}" for text in messages(error)]
                    continue
                counts = outcome.added if result == ADDED else outcome.unchanged
                counts[kind.name] = counts.get(kind.name, 0) + 1
        if outcome.errors or dry_run:
            transaction.set_rollback(True)
    return outcome


def csv_rows(kind: Kind, data: bytes) -> tuple[list[tuple[str, dict]], list[str]]:
    """The file's rows as ("Line n", {column: text}), or the problems with its header."""
    try:
        text = decode(data)
    except ValidationError as error:
        return [], error.messages
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in kind.required if name not in header]
    unknown = [name for name in header if name not in kind.columns]
    problems = []
    if missing:
        problems.append(f"Line 1: the {kind.name} file needs the column(s) {', '.join(missing)}.")
    if unknown:
        problems.append(
            f"Line 1: unknown column(s) {', '.join(unknown)}; a {kind.name} file has "
            f"{', '.join(kind.columns)}."
        )
    if problems:
        return [], problems
    reader.fieldnames = header
    rows = []
    for values in reader:
        if None in values:
            problems.append(f"Line {reader.line_num}: more values than columns.")
            continue
        cleaned = {name: restore_cell((value or "").strip()) for name, value in values.items()}
        if any(cleaned.values()):
            rows.append((f"Line {reader.line_num}", cleaned))
    return rows, problems


def import_csv(kind: Kind, data: bytes, *, by, dry_run=False) -> Outcome:
    rows, problems = csv_rows(kind, data)
    if problems:
        return Outcome(errors=problems, dry_run=dry_run)
    return import_rows([(kind, rows)], by=by, dry_run=dry_run)


# -- reading the values of a row ----------------------------------------------------------------


def text(values: dict, column: str) -> str:
    return values.get(column, "").strip()


def required(values: dict, column: str) -> str:
    value = text(values, column)
    if not value:
        raise RowError(f"{column} is blank.")
    return value


def day(values: dict, column: str) -> date | None:
    value = text(values, column)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: “{value}” is not a date as YYYY-MM-DD.") from None


def clock(values: dict, column: str) -> time | None:
    value = text(values, column)
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: “{value}” is not a time as HH:MM.") from None


def moment(values: dict, column: str) -> datetime | None:
    value = text(values, column)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: “{value}” is not a date and time as YYYY-MM-DD HH:MM.") from None


def number(values: dict, column: str) -> Decimal | None:
    value = text(values, column)
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise RowError(f"{column}: “{value}” is not a number.") from None


def whole(values: dict, column: str) -> int | None:
    value = number(values, column)
    if value is not None and value != value.to_integral_value():
        raise RowError(f"{column}: {value} is not a whole number.")
    return None if value is None else int(value)


def yes_no(values: dict, column: str) -> bool | None:
    value = text(values, column).lower()
    if value in ("", "unknown"):
        return None
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise RowError(f"{column}: “{value}” is not yes or no.")


def choice(values: dict, column: str, choices, default: str = "") -> str:
    value = text(values, column).lower() or default
    if value and value not in choices.values:
        raise RowError(f"{column}: “{value}” is not one of {', '.join(choices.values)}.")
    return value


def lookup(queryset, column: str, label: str = "", **where):
    """The one row `where` finds, or a refusal naming the column."""
    try:
        return queryset.distinct().get(**where)
    except ObjectDoesNotExist:
        shown = ", ".join(str(value) for value in where.values())
        label = label or queryset.model._meta.verbose_name
        raise RowError(f"{column}: no {label} “{shown}”.") from None
