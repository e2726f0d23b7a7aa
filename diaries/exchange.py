"""The diary CSV format, for patients switching from paper or another app and clinics migrating.

    date,headache,severity,hours,one_sided,…,medications,relief,missed_work,…,note[,optional…]

Dates are ISO, booleans `yes`/`no`, severity `none|mild|moderate|severe`, medications
`name:class:doses` joined by `;`. After `note`, any of the OPTIONAL_COLUMNS may follow, in
any order (`pain_score` 0–10, `attacks` 0–30, `menstruation` yes/no, `trigger_note`): a file
with only the first 17 columns imports as before, and leaves those details empty; the export
writes them all. Import checks every row before saving any; rows identical to
what the diary holds are skipped, so importing the same file twice changes nothing.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from clinic import audit, csv_safety
from diaries.entries import Dose
from diaries.models import (
    MAX_ATTACKS_A_DAY,
    DiaryDay,
    DiaryDose,
    MedicineClass,
    PatientMedicine,
    Relief,
    Severity,
    Source,
    medicine_name_validator,
)
from patients.models import Patient

BOOLEAN_COLUMNS = [*DiaryDay.FEATURES, *DiaryDay.IMPACTS]
HEADER = [
    "date",
    "headache",
    "severity",
    "hours",
    *DiaryDay.FEATURES,
    "medications",
    "relief",
    *DiaryDay.IMPACTS,
    "note",
]
OPTIONAL_COLUMNS = ["pain_score", "attacks", "menstruation", "trigger_note"]
EXPORT_HEADER = HEADER + OPTIONAL_COLUMNS

# A file holds at most this many days (five and a half years): a larger one would keep a
# worker busy for long, and is better split. Files over IMPORT_IN_BACKGROUND_ROWS rows are
# imported by the job runner while the page shows progress (diaries/imports.py).
MAX_IMPORT_ROWS = 2000
BATCH_SIZE = 1000


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _hours(value) -> str:
    return "" if value is None else f"{Decimal(value).normalize():f}"


def _blank_or(value, shown=str) -> str:
    return "" if value is None else shown(value)


def csv_row(entry: DiaryDay, doses: list[Dose]) -> list[str]:
    """One day in the exchange format, every column of EXPORT_HEADER (also how an imported row
    is compared with the diary, in the file's columns: `_in_columns`)."""
    medications = ";".join(
        f"{dose.medicine.name}:{dose.medicine.medicine_class}:{dose.doses}"
        for dose in sorted(doses, key=lambda dose: dose.medicine.name.lower())
    )
    return [
        entry.day.isoformat(),
        _yes_no(entry.headache),
        entry.severity,
        _hours(entry.hours),
        *[_yes_no(getattr(entry, name)) for name in DiaryDay.FEATURES],
        medications,
        entry.relief,
        *[_yes_no(getattr(entry, name)) for name in DiaryDay.IMPACTS],
        entry.note,
        _blank_or(entry.pain_score),
        _blank_or(entry.attacks),
        _blank_or(entry.menstruation, _yes_no),
        entry.trigger_note,
    ]


def _in_columns(values: list[str], columns: list[str]) -> list[str]:
    """A `csv_row` cut down to the columns a file has (how an imported row is compared)."""
    cells = dict(zip(EXPORT_HEADER, values, strict=True))
    return [cells[column] for column in columns]


def _saved_doses(entry: DiaryDay) -> list[Dose]:
    return [Dose(dose.medicine, dose.doses) for dose in entry.doses.all()]


class _Line:
    """A file for the csv writer that hands each written line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(patient: Patient, start: date, end: date) -> Iterator[str]:
    """The patient's diary from `start` to `end` (both included) as CSV text, one chunk per
    BATCH_SIZE days: the days are read in batches (with their doses), so a long diary is
    streamed in constant memory."""
    writer = csv_safety.writer(_Line(), lineterminator="\n")
    yield writer.writerow(EXPORT_HEADER)
    days = (
        patient.diary_days.filter(day__range=(start, end))
        .prefetch_related("doses__medicine")
        .order_by("day")
    )
    lines = []
    for entry in days.iterator(chunk_size=BATCH_SIZE):
        lines.append(writer.writerow(csv_row(entry, _saved_doses(entry))))
        if len(lines) == BATCH_SIZE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def export_csv(patient: Patient, start: date, end: date) -> str:
    """The same CSV as one text (for the records archive)."""
    return "".join(csv_chunks(patient, start, end))


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    medicines_added: int = 0


class RowError(Exception):
    pass


@dataclass
class ParsedRow:
    line: int
    entry: DiaryDay
    medications: list[tuple[str, str, int]]  # (name, class, doses)
    columns: list[str]  # the file's columns: those the line can be compared on


def decode(data: bytes) -> str:
    if len(data) > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            f"The file is larger than {filesizeformat(settings.MAX_UPLOAD_SIZE)}. "
            "Split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
        ) from error
    if "\x00" in text:  # no text field can hold it (PostgreSQL refuses NUL)
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(
            f"Line {line} holds a NUL character, which a diary cannot keep. Save the file "
            "as 'CSV UTF-8' from your spreadsheet, or remove the character, and try again."
        )
    return text


def _boolean(value: str, column: str, blank_is_no: bool = True) -> bool:
    value = value.strip().lower()
    if value == "yes":
        return True
    if value == "no" or (value == "" and blank_is_no):
        return False
    raise RowError(f"{column} must be yes or no, not '{value}'")


def _yes_no_or_blank(value: str, column: str) -> bool | None:
    return None if value.strip() == "" else _boolean(value, column, blank_is_no=False)


def _whole(value: str, column: str, low: int, high: int) -> int | None:
    """A whole number from `low` to `high`, or None when blank."""
    value = value.strip()
    if value == "":
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise RowError(f"{column} must be a whole number from {low} to {high}, not '{value}'")
    return int(value)


def _choice(value: str, column: str, choices, blank: str | None = None) -> str:
    value = value.strip().lower()
    if value == "" and blank is not None:
        return blank
    if value not in choices.values:
        raise RowError(f"{column} must be one of {', '.join(choices.values)}, not '{value}'")
    return value


def _medications(text: str, problems: list[str]) -> list[tuple[str, str, int]]:
    """The `name:class:doses` items; each bad item adds its problem to `problems`."""
    medications, names = [], set()
    for item in filter(None, (part.strip() for part in text.split(";"))):
        parts = item.split(":")
        if len(parts) != 3:
            problems.append(f"medication '{item}' must be name:class:doses")
            continue
        name, medicine_class, doses = (part.strip() for part in parts)
        if not name:
            problems.append(f"medication '{item}' has no name")
            continue
        item_problems = []
        if medicine_class.lower() not in MedicineClass.values:
            item_problems.append(
                f"unknown medicine class '{medicine_class}' (use {', '.join(MedicineClass.values)})"
            )
        if not doses.isdigit() or not 1 <= int(doses) <= 20:
            item_problems.append(f"doses of {name} must be a whole number from 1 to 20")
        if name.lower() in names:
            item_problems.append(f"{name} is listed twice")
        names.add(name.lower())
        problems += item_problems
        if not item_problems:
            medications.append((name, medicine_class.lower(), int(doses)))
    return medications


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise RowError(f"date '{value}' is not a date like 2026-01-31") from error


def _decimal(value: str, column: str) -> Decimal | None:
    value = value.strip()
    try:
        return Decimal(value) if value else None
    except InvalidOperation as error:
        raise RowError(f"{column} '{value}' is not a number") from error


# The column each model field is read from, and the columns a model rule needs to be right:
# when one of those could not be read, the rule's message would only mislead.
COLUMN_OF = {"day": "date"}
FIELD_OF = {column: name for name, column in COLUMN_OF.items()}
RULE_NEEDS = {
    "day": {"date"},
    "severity": {"headache", "severity"},
    "hours": {"headache", "hours"},
    "pain_score": {"headache", "pain_score"},
    "attacks": {"headache", "attacks"},
}


class _Row:
    """Reads one line's cells, keeping every problem instead of stopping at the first."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.problems: list[str] = []
        self.failed: set[str] = set()

    def read(self, column: str, parse, default=None):
        try:
            return parse(self.values[column])
        except RowError as error:
            self.problems.append(str(error))
            self.failed.add(column)
            return default

    def check(self, entry: DiaryDay) -> None:
        """The model's field checks, for the columns that could be read, and its rules, when
        every column a rule needs could be read."""
        unread = [FIELD_OF.get(column, column) for column in self.failed]
        self._add(entry.clean_fields, exclude=["entered_by", "patient", *unread])
        self._add(entry.clean, skip={n for n, needs in RULE_NEEDS.items() if needs & self.failed})

    def _add(self, check, skip=(), **options) -> None:
        try:
            check(**options)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name not in skip:
                    column = COLUMN_OF.get(name, name)
                    self.problems += [f"{column}: {message.rstrip('.')}" for message in messages]


def _parse_row(patient: Patient, values: dict[str, str]) -> tuple[DiaryDay, list, list[str]]:
    """The day a line describes, its medications, and every problem found on it."""
    row = _Row(values)
    entry = DiaryDay(
        patient=patient,
        day=row.read("date", _date),
        headache=row.read("headache", lambda v: _boolean(v, "headache", blank_is_no=False), False),
        severity=row.read(
            "severity", lambda v: _choice(v, "severity", Severity, Severity.NONE), Severity.NONE
        ),
        hours=row.read("hours", lambda v: _decimal(v, "hours")),
        relief=row.read("relief", lambda v: _choice(v, "relief", Relief, blank=""), ""),
        note=values["note"],
        **{
            name: row.read(name, lambda v, name=name: _boolean(v, name), False)
            for name in BOOLEAN_COLUMNS
        },
        pain_score=row.read("pain_score", lambda v: _whole(v, "pain_score", 0, 10)),
        attacks=row.read("attacks", lambda v: _whole(v, "attacks", 0, MAX_ATTACKS_A_DAY)),
        menstruation=row.read("menstruation", lambda v: _yes_no_or_blank(v, "menstruation")),
        trigger_note=values["trigger_note"],
    )
    medications = _medications(values["medications"], row.problems)
    # The patient is given, not read from the file: no query per row to check it.
    row.check(entry)
    return entry, medications, row.problems


def parse_csv(patient: Patient, text: str) -> tuple[list[ParsedRow], list[str]]:
    """Every row checked on its own: (rows, errors as 'Line N: reason', every reason of a
    line on its own)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(patient, reader)
    except csv.Error as error:  # e.g. a stray carriage return inside a field
        return [], [f"Line {reader.line_num}: this is not readable CSV ({error})."]


def _parse_rows(patient: Patient, reader) -> tuple[list[ParsedRow], list[str]]:
    header = next(reader, None)
    if header is None:
        return [], ["The file is empty."]
    columns = [column.strip().lower() for column in header]
    extra = columns[len(HEADER) :]
    if columns[: len(HEADER)] != HEADER or not set(extra) <= set(OPTIONAL_COLUMNS):
        return [], [
            f"Line 1: the header must be exactly: {','.join(HEADER)} (then, if you like, any"
            f" of {', '.join(OPTIONAL_COLUMNS)})"
        ]
    if len(set(extra)) < len(extra):
        return [], ["Line 1: a column is named twice in the header."]
    absent = dict.fromkeys(set(OPTIONAL_COLUMNS) - set(extra), "")
    rows, errors, seen = [], [], {}
    line = reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        values = [csv_safety.restore_cell(value) for value in values]  # undo the export's quote
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(columns):
            errors.append(f"Line {start}: expected {len(columns)} columns, found {len(values)}.")
            continue
        cells = dict(zip(columns, values, strict=True)) | absent
        entry, medications, problems = _parse_row(patient, cells)
        if entry.day in seen:
            problems.append(f"{entry.day} is also on line {seen[entry.day]}")
        elif entry.day is not None:
            seen[entry.day] = start
        errors += [f"Line {start}: {problem}." for problem in problems]
        if not problems:
            rows.append(ParsedRow(start, entry, medications, columns))
    return rows, errors


def _check_medicines(rows: list[ParsedRow], known: dict[str, PatientMedicine]) -> list[str]:
    errors = []
    for row in rows:
        for name, medicine_class, _ in row.medications:
            medicine = known.get(name.lower())
            if medicine and medicine.medicine_class != medicine_class:
                errors.append(
                    f"Line {row.line}: {medicine.name} is on the medicine list as "
                    f"{medicine.medicine_class}, not {medicine_class}."
                )
            try:
                medicine_name_validator(name)
            except ValidationError as error:
                errors.append(f"Line {row.line}: {' '.join(error.messages)}")
    return errors


def count_rows(text: str) -> int:
    """Non-blank records in the file after its header (a multi-line note is one record)."""
    try:
        records = csv.reader(io.StringIO(text, newline=""))
        return max(0, sum(1 for values in records if any(v.strip() for v in values)) - 1)
    except csv.Error:
        return 0  # not readable CSV: parse_csv says where


def import_csv(patient: Patient, data: bytes, *, by=None, before_saving=None) -> ImportResult:
    """Check every row, then save all of them or none. Identical days already in the diary
    are skipped; a day entered differently is an error (nothing is overwritten).
    `before_saving()`, if given, is called once every row has passed (to show progress)."""
    result = ImportResult()
    try:
        text = decode(data)
    except ValidationError as error:
        result.errors = error.messages
        return result
    if (rows_in_file := count_rows(text)) > MAX_IMPORT_ROWS:
        result.errors = [
            f"The file has {rows_in_file} days; import at most {MAX_IMPORT_ROWS} at once "
            "(split it into smaller files)."
        ]
        return result
    rows, result.errors = parse_csv(patient, text)
    known = {m.name.lower(): m for m in patient.medicines.all()}
    result.errors += _check_medicines(rows, known)
    existing = {
        entry.day: entry
        for entry in patient.diary_days.filter(
            day__in=[row.entry.day for row in rows]
        ).prefetch_related("doses__medicine")
    }
    new_rows = []
    for row in rows:
        saved = existing.get(row.entry.day)
        if saved is None:
            new_rows.append(row)
            continue
        planned = [
            Dose(known.get(name.lower()) or PatientMedicine(name=name, medicine_class=cls), n)
            for name, cls, n in row.medications
        ]
        if _in_columns(csv_row(saved, _saved_doses(saved)), row.columns) == _in_columns(
            csv_row(row.entry, planned), row.columns
        ):
            result.unchanged += 1
        else:
            result.errors.append(
                f"Line {row.line}: {row.entry.day} is already in the diary with different "
                "answers. Change it on the calendar, or remove this line."
            )
    if result.errors:
        return result
    if before_saving is not None:
        before_saving()
    with transaction.atomic():
        Patient.objects.lock(patient.pk)  # one import or diary save at a time for a patient
        result.medicines_added = _save_new(patient, new_rows, known, by)
    result.added = len(new_rows)
    return result


def _bulk_save(model, objects: list, by) -> None:
    """INSERT the rows and their history rows in a few statements, and audit them."""
    if objects:
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        history = model.history.bulk_history_create(objects, batch_size=BATCH_SIZE, default_user=by)
        audit.record_bulk_history(list(zip(objects, history, strict=True)), user=by)


def _save_new(patient: Patient, rows: list[ParsedRow], known: dict, by) -> int:
    """Save the new days, their doses and the medicines they name that are not on the list,
    with a fixed number of queries whatever the number of rows. Each row keeps its history
    and audit event, as a one-by-one save would (simple-history's bulk helpers). Returns how
    many medicines were added."""
    medicines = {}
    for row in rows:
        for name, medicine_class, _ in row.medications:
            if name.lower() not in known and name.lower() not in medicines:
                medicine = PatientMedicine(
                    patient=patient, name=name, medicine_class=medicine_class
                )
                medicine.full_clean()  # one query each: its name is new to the patient
                medicines[name.lower()] = medicine
    _bulk_save(PatientMedicine, list(medicines.values()), by)
    known.update(medicines)
    for row in rows:  # imported days are never late: the file says when they were
        row.entry.entered_by, row.entry.source, row.entry.late = by, Source.IMPORTED, False
    _bulk_save(DiaryDay, [row.entry for row in rows], by)
    doses = [
        DiaryDose(
            day=row.entry,
            medicine=known[name.lower()],
            medicine_class=known[name.lower()].medicine_class,
            doses=doses,
        )
        for row in rows
        for name, _, doses in row.medications
    ]
    for dose in doses:
        dose.full_clean(exclude=["day", "medicine"], validate_constraints=False)
    _bulk_save(DiaryDose, doses, by)
    return len(medicines)
