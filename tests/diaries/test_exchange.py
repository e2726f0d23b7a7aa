"""The diary CSV: exact format, all-or-nothing import with line numbers, idempotent re-import,
and a round trip that reproduces every count."""

import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from diaries.exchange import BATCH_SIZE, EXPORT_HEADER, HEADER, export_csv, import_csv
from diaries.metrics import diary_counts, medication_overuse
from diaries.models import DiaryDay, DiaryDose, PatientMedicine, Source
from patients.models import Patient
from tests.factories import DiaryDayFactory, PatientFactory, PatientMedicineFactory

# Tests read TODAY (some at collection, in parameters): the clock stands still on it.
TODAY = date(2026, 6, 17)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]

HEADER_LINE = ",".join(HEADER)


def row(day: date, headache="no", severity="none", hours="", meds="", note="", **flags) -> str:
    features = ["one_sided", "pulsating", "worse_with_activity", "nausea_vomiting"]
    features += ["light_sensitivity", "sound_sensitivity", "aura"]
    values = [day.isoformat(), headache, severity, hours]
    values += [flags.get(name, "no") for name in features]
    values += [meds, flags.get("relief", "")]
    values += [flags.get(name, "no") for name in ("missed_work", "cancelled_plans", "bed_rest")]
    values += [note]
    return ",".join(values)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER_LINE, *rows]) + "\n").encode()


def varied_diary(patient):
    """Three weeks with every kind of answer, including a note that needs quoting."""
    triptan = PatientMedicineFactory(patient=patient, name="Sumatriptan", medicine_class="triptan")
    ibuprofen = PatientMedicineFactory(patient=patient, name="Ibuprofen", medicine_class="simple")
    for n in range(21):
        day = TODAY - timedelta(days=n + 1)
        if n % 3 == 0:
            entry = DiaryDayFactory(
                patient=patient,
                day=day,
                headache=True,
                severity=["mild", "moderate", "severe"][n % 9 // 3],
                hours="4.5",
                pulsating=True,
                one_sided=n % 2 == 0,
                nausea_vomiting=True,
                relief="partial",
                missed_work=n % 2 == 1,
                note='Bad, "very" bad\nsecond line',
                pain_score=n % 11,
                attacks=n % 4 or None,
                trigger_note="=poor sleep, wine",
            )
            DiaryDose.objects.create(day=entry, medicine=triptan, medicine_class="triptan")
            DiaryDose.objects.create(
                day=entry, medicine=ibuprofen, medicine_class="simple", doses=3
            )
        elif n != 10:  # one missing day
            DiaryDayFactory(patient=patient, day=day, menstruation=[True, False, None][n % 3])


def test_export_writes_the_exact_format(patient):
    medicine = PatientMedicineFactory(patient=patient, name="Sumatriptan", medicine_class="triptan")
    entry = DiaryDayFactory(
        patient=patient,
        day=date(2026, 1, 5),
        headache=True,
        severity="severe",
        hours="3",
        aura=True,
        relief="full",
        bed_rest=True,
        note="with, comma",
    )
    DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="triptan", doses=2)
    DiaryDayFactory(patient=patient, day=date(2026, 1, 6))
    text = export_csv(patient, date(2026, 1, 1), date(2026, 1, 31))
    assert text.splitlines() == [
        ",".join(EXPORT_HEADER),
        "2026-01-05,yes,severe,3,no,no,no,no,no,no,yes,"
        'Sumatriptan:triptan:2,full,no,no,yes,"with, comma",,,,',
        "2026-01-06,no,none,,no,no,no,no,no,no,no,,,no,no,no,,,,,",
    ]


def test_export_then_import_into_another_patient_reproduces_every_count(patient, other_patient):
    varied_diary(patient)
    start, end = TODAY - timedelta(days=30), TODAY
    text = export_csv(patient, start, end)
    result = import_csv(other_patient, text.encode())
    assert (result.errors, result.added, result.medicines_added) == ([], 20, 2)
    assert diary_counts(other_patient, start, end) == diary_counts(patient, start, end)
    assert medication_overuse(other_patient, start, end) == medication_overuse(patient, start, end)
    assert export_csv(other_patient, start, end) == text
    assert set(other_patient.diary_days.values_list("source", flat=True)) == {Source.IMPORTED}


def test_importing_the_same_file_again_changes_nothing(patient):
    data = csv_file(
        row(TODAY, "yes", "mild", meds="Paracetamol:simple:2"), row(TODAY - timedelta(days=1))
    )
    assert import_csv(patient, data).added == 2
    history = DiaryDay.history.count()
    again = import_csv(patient, data)
    assert (again.errors, again.added, again.unchanged) == ([], 0, 2)
    assert DiaryDay.history.count() == history
    assert PatientMedicine.objects.count() == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (row(TODAY + timedelta(days=1)), "in the future"),
        (row(TODAY, hours="25", headache="yes", severity="mild"), "less than or equal to 24"),
        (row(TODAY, hours="-1", headache="yes", severity="mild"), "greater than or equal to 0"),
        (row(TODAY, hours="lots", headache="yes", severity="mild"), "is not a number"),
        (row(TODAY, severity="mild"), "without headache has no severity"),
        (row(TODAY, headache="yes"), "worst pain"),
        (row(TODAY, headache="maybe"), "headache must be yes or no"),
        (row(TODAY, severity="awful"), "severity must be one of"),
        (row(TODAY, meds="Pill:magic:1"), "unknown medicine class 'magic'"),
        (row(TODAY, meds="Pill:simple"), "must be name:class:doses"),
        (row(TODAY, meds="Pill:simple:0"), "from 1 to 20"),
        (row(TODAY, meds="Pill:simple:1;pill:simple:2"), "listed twice"),
        ("31/01/2026" + row(TODAY)[10:], "is not a date"),
        (row(TODAY) + ",extra", "expected 17 columns, found 18"),
        (row(TODAY - timedelta(days=400)), "diary starts"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(patient, line, message):
    result = import_csv(patient, csv_file(row(TODAY - timedelta(days=2)), line))
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 3:")
    assert message in result.errors[0]
    assert not DiaryDay.objects.exists()


def test_every_bad_row_is_reported_at_once_counting_lines_of_multiline_notes(patient):
    data = csv_file(
        row(TODAY - timedelta(days=1), note='"two\nlines"'),
        row(TODAY, headache="maybe"),
        row(TODAY - timedelta(days=1)),
    )
    errors = import_csv(patient, data).errors
    assert [error.split(":")[0] for error in errors] == ["Line 4", "Line 5"]
    assert "also on line 2" in errors[1]


def test_every_problem_on_a_line_is_reported_each_with_the_line_number(patient):
    line = row(TODAY, headache="maybe", severity="awful", hours="30", meds="Pill:simple:x;B:y:1")
    errors = import_csv(
        patient, csv_file(line, row(TODAY - timedelta(days=1), relief="lots"))
    ).errors
    assert errors == [
        "Line 2: headache must be yes or no, not 'maybe'.",
        "Line 2: severity must be one of none, mild, moderate, severe, not 'awful'.",
        "Line 2: doses of Pill must be a whole number from 1 to 20.",
        "Line 2: unknown medicine class 'y' (use triptan, ergot, opioid, combination, simple,"
        " other).",
        "Line 2: hours: Ensure this value is less than or equal to 24.",
        "Line 3: relief must be one of none, partial, full, not 'lots'.",
    ]
    assert not DiaryDay.objects.exists()


def test_a_rule_is_not_reported_about_a_value_that_could_not_be_read(patient):
    """An unreadable headache answer does not also give "a day without headache has no
    severity": that would blame the severity for the headache's mistake."""
    errors = import_csv(patient, csv_file(row(TODAY, headache="?", severity="mild"))).errors
    assert errors == ["Line 2: headache must be yes or no, not '?'."]


def details_file(columns: str, *cells: str) -> bytes:
    """A file with today's 17 columns and then `columns`, one line per `cells`."""
    lines = [f"{HEADER_LINE},{columns}"]
    lines += [f"{row(TODAY - timedelta(days=n), 'yes', 'mild')},{c}" for n, c in enumerate(cells)]
    return ("\n".join(lines) + "\n").encode()


def test_the_optional_columns_import_in_any_order(patient):
    data = details_file("menstruation,trigger_note,pain_score", "yes,cheese,7", ",,")
    assert import_csv(patient, data).errors == []
    today, yesterday = patient.diary_days.order_by("-day")
    assert (today.menstruation, today.trigger_note, today.pain_score) == (True, "cheese", 7)
    assert (yesterday.menstruation, yesterday.trigger_note, yesterday.pain_score) == (
        None,
        "",
        None,
    )
    assert today.attacks is None  # not in the file


def test_a_file_with_todays_header_still_imports_and_matches_a_day_with_details(patient):
    DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="mild", pain_score=4)
    result = import_csv(patient, csv_file(row(TODAY, "yes", "mild"), row(TODAY - timedelta(1))))
    assert (result.errors, result.added, result.unchanged) == ([], 1, 1)
    assert patient.diary_days.get(day=TODAY).pain_score == 4  # the file did not say


def test_out_of_range_details_are_each_reported_with_the_line(patient):
    data = details_file("pain_score,attacks,menstruation", "11,2,yes", "x,31,maybe")
    assert import_csv(patient, data).errors == [
        "Line 2: pain_score must be a whole number from 0 to 10, not '11'.",
        "Line 3: pain_score must be a whole number from 0 to 10, not 'x'.",
        "Line 3: attacks must be a whole number from 0 to 30, not '31'.",
        "Line 3: menstruation must be yes or no, not 'maybe'.",
    ]
    assert not DiaryDay.objects.exists()


def test_attacks_and_a_pain_score_on_a_day_without_headache_are_refused(patient):
    data = f"{HEADER_LINE},attacks,pain_score\n{row(TODAY)},2,5\n".encode()
    assert import_csv(patient, data).errors == [
        "Line 2: pain_score: A day without headache has no pain score.",
        "Line 2: attacks: A day without headache has no attacks.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (f"{HEADER_LINE},mood\n".encode(), "then, if you like, any of pain_score, attacks"),
        (f"{HEADER_LINE},attacks,attacks\n".encode(), "a column is named twice"),
        (b"date,headache\n2026-01-01,no\n", "Line 1: the header must be exactly"),
        ("date,héadache".encode("latin-1"), "not UTF-8"),
        (b"x" * (10 * 1024 * 1024 + 1), "larger than 10"),
        (f"{HEADER_LINE}\n{'x' * 140_000}\n".encode(), "Line 2: this is not readable CSV"),
        (f"{HEADER_LINE}\n2026-01-05,no\r,none".encode(), "Line 2: expected 17 columns"),
    ],
)
def test_malformed_files_are_refused(patient, data, message):
    errors = import_csv(patient, data).errors
    assert message in errors[0]
    assert not DiaryDay.objects.exists()


def test_a_day_entered_differently_is_never_overwritten(patient):
    DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="severe")
    result = import_csv(patient, csv_file(row(TODAY)))
    assert "already in the diary with different answers" in result.errors[0]
    assert patient.diary_days.get().severity == "severe"


def test_a_medicine_listed_with_another_class_is_refused(patient):
    PatientMedicineFactory(patient=patient, name="Ibuprofen", medicine_class="simple")
    result = import_csv(patient, csv_file(row(TODAY, "yes", "mild", meds="ibuprofen:opioid:1")))
    assert "Ibuprofen is on the medicine list as simple, not opioid" in result.errors[0]


def test_a_utf8_file_with_a_byte_order_mark_is_read(patient):
    assert import_csv(patient, b"\xef\xbb\xbf" + csv_file(row(TODAY, note="café"))).added == 1


class TestImportCommand:
    def test_it_imports_by_mrn(self, tmp_path, capsys):
        patient = PatientFactory(mrn="HC000123")
        path = tmp_path / "diary.csv"
        path.write_bytes(csv_file(row(TODAY)))
        call_command("import_diary", "hc000123", str(path))
        assert "Imported 1 day(s)" in capsys.readouterr().out
        assert patient.diary_days.count() == 1

    def test_it_lists_the_problems_and_imports_nothing(self, tmp_path, capsys):
        PatientFactory(mrn="HC000123")
        path = tmp_path / "diary.csv"
        path.write_bytes(csv_file(row(TODAY), row(TODAY)))
        with pytest.raises(CommandError, match="Nothing imported: 1 problem"):
            call_command("import_diary", "HC000123", str(path))
        assert "Line 3:" in capsys.readouterr().err
        assert not DiaryDay.objects.exists()

    def test_an_unknown_mrn_is_an_error(self, tmp_path):
        with pytest.raises(CommandError, match="No patient has the MRN"):
            call_command("import_diary", "NOPE", str(tmp_path / "x.csv"))


class TestTransferPages:
    def upload(self, client, url, data: bytes, name="diary.csv"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)

    def test_patient_uploads_a_file(self, patient_client, patient):
        response = self.upload(patient_client, reverse("portal:transfer"), csv_file(row(TODAY)))
        assert "Imported 1 day" in response.content.decode()
        assert patient.diary_days.get().source == Source.IMPORTED

    def test_staff_upload_shows_each_problem_with_its_line(self, neurologist_client, patient):
        url = reverse("diary:transfer", args=[patient.pk])
        response = self.upload(
            neurologist_client, url, csv_file(row(TODAY), row(TODAY, headache="x"))
        )
        page = response.content.decode()
        assert "Nothing was imported" in page and "Line 3: headache must be yes or no" in page
        assert not DiaryDay.objects.exists()

    def test_a_file_over_10_mb_is_refused_by_the_form(self, patient_client):
        response = self.upload(
            patient_client, reverse("portal:transfer"), b"x" * (10 * 1024 * 1024 + 1)
        )
        assert "files can be at most 10.0" in response.content.decode()

    def test_export_downloads_the_range(self, patient_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY)
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=40))
        response = patient_client.get(
            reverse("portal:export"), {"start": TODAY - timedelta(days=7), "end": TODAY}
        )
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f"diary-{patient.mrn}-" in response["Content-Disposition"]
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert lines[1].startswith(TODAY.isoformat())
        assert len(lines) == 2

    @pytest.mark.parametrize("staff", [False, True])
    def test_the_download_button_downloads_the_range_shown(
        self, client, patient, neurologist, staff
    ):
        """The page's export form sends its dates to the export, for the patient and staff."""
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=3), note="kept")
        client.force_login(neurologist if staff else patient.user)
        page_url = (
            reverse("diary:transfer", args=[patient.pk]) if staff else reverse("portal:transfer")
        )
        page = client.get(page_url).content.decode()
        form = re.search(r'<form method="get" action="([^"]+)"', page)
        assert form, "the export form has an action"
        fields = dict(re.findall(r'name="(start|end)" value="([^"]+)"', page))
        response = client.get(form.group(1), fields)
        assert response.status_code == 200 and response.streaming
        assert "attachment" in response["Content-Disposition"]
        assert b"kept" in b"".join(response.streaming_content)

    @pytest.mark.parametrize("days", [10, 2 * BATCH_SIZE + 5])
    def test_a_long_diary_is_streamed_in_batches_with_bounded_queries(
        self, patient_client, patient, django_assert_max_num_queries, days
    ):
        first = TODAY - timedelta(days=days - 1)
        Patient.objects.filter(pk=patient.pk).update(registered_on=first)
        DiaryDay.objects.bulk_create(
            DiaryDay(patient=patient, day=first + timedelta(days=n)) for n in range(days)
        )
        with django_assert_max_num_queries(16):  # 4 per batch of days: days, doses, cursor
            response = patient_client.get(reverse("portal:export"), {"start": first, "end": TODAY})
            chunks = list(response.streaming_content)
        assert len(chunks) == 1 + -(-days // BATCH_SIZE)  # the header, then each batch
        assert b"".join(chunks).count(b"\n") == days + 1

    def test_export_with_a_bad_range_explains(self, patient_client):
        response = patient_client.get(reverse("portal:export"), {"start": "x"}, follow=True)
        assert "Choose a valid date range" in response.content.decode()

    def test_another_patients_diary_is_never_exported(self, patient_client, other_patient):
        DiaryDayFactory(patient=other_patient, day=TODAY, note="secret")
        response = patient_client.get(reverse("portal:export"), {"start": TODAY, "end": TODAY})
        assert b"secret" not in b"".join(response.streaming_content)


class TestReport:
    def test_it_shows_the_summary_and_each_month(self, patient_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="severe")
        start = (TODAY - timedelta(days=40)).isoformat()
        page = patient_client.get(
            reverse("portal:report"), {"start": start, "end": TODAY}
        ).content.decode()
        assert page.count("diary-month") >= 2
        assert "Headache days" in page and "Print" in page

    @pytest.mark.parametrize("months", [1, 12])
    def test_queries_are_bounded(
        self, patient_client, patient, django_assert_max_num_queries, months
    ):
        for n in range(months * 30):
            DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
        start = (TODAY - timedelta(days=months * 30)).isoformat()
        # session, user, role, patient, counts, overuse, the months' entries, audit event
        with django_assert_max_num_queries(9):
            patient_client.get(reverse("portal:report"), {"start": start, "end": TODAY})
