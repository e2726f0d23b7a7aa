"""Letters after a review: issued as PDFs, kept byte for byte, corrected by new letters."""

import re
import shutil
import subprocess
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from patients.models import Eligibility
from reviews.letters import issue_letter
from reviews.models import IssuedLetter
from tests.factories import AdverseEventFactory, ReviewFactory
from tests.reviews.progress_helpers import AFTER_S3, responding_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_after_s3")]


@pytest.fixture
def review(patient, neurologist):
    patient.address = "12 Elm Street\nParkside PK3 9ZZ"
    patient.national_id_kind, patient.national_id = "nhs", "9434765919"
    patient.referring_clinician = "Dr Ada Green, Parkside Surgery"
    patient.save()
    responding_course(patient)  # baseline 24/28, cycle 2 at 12/28: 50% fewer
    AdverseEventFactory(session=patient.sessions.get(number=2), kind="ptosis")
    Eligibility.objects.create(
        patient=patient,
        headache_days_per_month=20,
        assessed_on=AFTER_S3 - timedelta(days=300),
        assessed_by=neurologist,
    )
    return ReviewFactory(
        patient=patient, reviewed_on=AFTER_S3, midas=22, hit6=61, reviewed_by=neurologist
    )


def letters_url(review, name="progress:letter", **kwargs):
    return reverse(name, kwargs={"patient_id": review.patient_id, "review_id": review.pk, **kwargs})


def issue(client, review, kind="gp", page_size="A4", **data):
    return client.post(
        letters_url(review, "progress:letter_issue"), {"kind": kind, "page_size": page_size, **data}
    )


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with its compressed streams (WeasyPrint's object streams) inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL)
    inflated = []
    for stream in streams:
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return pdf + b"".join(inflated)


def download(client, letter):
    return client.get(letters_url(letter.review, "progress:letter_download", letter_id=letter.pk))


def test_the_gp_letter_says_what_a_gp_needs_and_nothing_of_the_progress_page(
    neurologist_client, review
):
    response = issue(neurologist_client, review)
    assert response.status_code == 302
    letter = IssuedLetter.objects.get()
    assert bytes(letter.pdf).startswith(b"%PDF")
    html = letter.html
    for text in [
        "Headache Clinic",
        "Telephone 020 7946 0123",
        "headache.clinic@example.org",
        "12 Elm Street",
        "NHS number 943 476 5919",
        "Dr Ada Green, Parkside Surgery",
        "Continue treatment.",
        "Nothing to change",
        "MIDAS: 22 (Grade IV: severe disability)",
        "HIT-6: 61 (severe impact)",
        "Eyelid ptosis",
        "Copy to the patient.",
    ]:
        assert text in html, text
    assert "in progress" not in html
    assert "day " not in html.lower().split("results")[1].split("side effects")[0]
    assert letter.figures["baseline_headache_days"] == "24.0"
    assert letter.figures["latest_headache_days"] == "12.0"
    assert letter.figures["reduction_percent"] == "50.0"
    assert letter.figures["latest_cycle"] == "Cycle 2"
    event = AuditEvent.objects.get(object_type="issued letter")
    assert event.changes["kind"] == "gp" and event.user == review.reviewed_by


def test_the_patient_gets_a_plain_language_copy(neurologist_client, review):
    issue(neurologist_client, review, kind="patient")
    html = IssuedLetter.objects.get(kind="patient").html
    assert "Dear " + review.patient.given_name in html
    assert "headaches on about 24.0 days in every 4 weeks" in html
    assert "50.0% fewer" in html
    assert "carry on with the injections" in html


def test_the_issued_pdf_never_changes_when_the_record_does(neurologist_client, review, neurologist):
    issue(neurologist_client, review)
    letter = IssuedLetter.objects.get()
    first = download(neurologist_client, letter)
    assert first["Content-Type"] == "application/pdf"
    Eligibility.objects.filter(patient=review.patient).update(headache_days_per_month=28)
    review.patient.address = "1 New Road"
    review.patient.save()
    again = download(neurologist_client, letter)
    assert again.content == first.content == bytes(letter.pdf)
    stored = IssuedLetter.objects.get().html
    assert "12 Elm Street" in stored and "20 headache days a month reported" in stored
    assert AuditEvent.objects.filter(action="export", object_type="issued letter").count() == 2


def test_a_correction_is_a_new_letter_that_refers_to_the_old(neurologist_client, review):
    issue(neurologist_client, review)
    old = IssuedLetter.objects.get()
    review.patient.address = "1 New Road"
    review.patient.save()
    issue(neurologist_client, review, corrects=old.pk)
    new = IssuedLetter.objects.exclude(pk=old.pk).get()
    assert new.corrects == old and "1 New Road" in new.html
    assert "12 Elm Street" in IssuedLetter.objects.get(pk=old.pk).html
    page = neurologist_client.get(letters_url(review)).content.decode()
    assert page.count('data-testid="issued-letter"') == 2
    assert "corrects the letter of" in page


def test_a_correction_must_be_of_the_same_kind(neurologist_client, review):
    issue(neurologist_client, review)
    response = issue(
        neurologist_client, review, kind="patient", corrects=IssuedLetter.objects.get().pk
    )
    assert response.status_code == 200
    assert "A correction replaces a letter of the same kind." in response.content.decode()
    assert IssuedLetter.objects.count() == 1


def test_bad_letter_input_is_refused_without_a_letter(neurologist_client, review):
    response = issue(neurologist_client, review, kind="memo", page_size="A0")
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not IssuedLetter.objects.exists()


def test_a_review_or_letter_of_another_patient_gives_404(
    neurologist_client, review, other_patient, neurologist
):
    other_review = ReviewFactory(patient=other_patient, reviewed_by=neurologist)
    letter = issue_letter(
        review=other_review, kind="gp", page_size="A4", issued_by=neurologist, now=AFTER_S3
    )
    wrong = {"patient_id": review.patient_id, "review_id": other_review.pk}
    assert neurologist_client.get(reverse("progress:letter", kwargs=wrong)).status_code == 404
    assert (
        neurologist_client.post(reverse("progress:letter_issue", kwargs=wrong)).status_code == 404
    )
    mixed = {"patient_id": review.patient_id, "review_id": review.pk, "letter_id": letter.pk}
    assert (
        neurologist_client.get(reverse("progress:letter_download", kwargs=mixed)).status_code == 404
    )
    assert IssuedLetter.objects.count() == 1


@pytest.mark.parametrize("page_size, width_pt", [("A4", 595), ("letter", 612)])
def test_letters_print_on_a4_and_us_letter(neurologist, review, page_size, width_pt, tmp_path):
    letter = issue_letter(
        review=review, kind="gp", page_size=page_size, issued_by=neurologist, now=AFTER_S3
    )
    pdf = bytes(letter.pdf)
    assert set(re.findall(rb"/MediaBox \[0 0 (\d+)", pdf_objects(pdf))) == {str(width_pt).encode()}
    if not shutil.which("pdftoppm"):
        return  # the PNG look is optional: poppler-utils is not on every machine
    (tmp_path / "letter.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", tmp_path / "letter.pdf", tmp_path / "page"], check=True
    )
    assert list(tmp_path.glob("page*.png"))


def test_a_spanish_patients_letter_is_in_spanish_and_the_gp_letter_stays_english(
    neurologist_client, review
):
    review.patient.language = "es"
    review.patient.save()
    issue(neurologist_client, review, kind="patient")
    issue(neurologist_client, review, kind="gp")
    letter = IssuedLetter.objects.get(kind="patient")
    html = letter.html
    on = review.reviewed_on
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"]
    months += ["septiembre", "octubre", "noviembre", "diciembre"]
    spanish_date = f"{on.day} de {months[on.month - 1]} de {on.year}"
    assert '<html lang="es">' in html
    assert f"Su revisión del tratamiento con bótox del {spanish_date}" in html
    assert f"Estimado/a {review.patient.given_name}:" in html
    assert "dolor de cabeza unos 24,0 días de cada 4 semanas" in html
    assert "(ciclo 2)" in html and "unos 12,0 días en 4 semanas: un 50,0 % menos" in html
    assert "<strong>Continuar el tratamiento.</strong>" in html
    assert "Seguirá con las inyecciones" in html
    assert "Nos comentó: ptosis palpebral (párpado caído)." in html
    assert "Un cordial saludo," in html and "N.º de historia " in html
    assert letter.figures["latest_cycle"] == "Cycle 2"  # the figures kept are the clinic's
    assert b"%PDF" in bytes(letter.pdf)[:8]
    gp = IssuedLetter.objects.get(kind="gp").html
    assert '<html lang="en-gb">' in gp and "Continue treatment." in gp
    assert f"{on.day} {on:%B} {on.year}" in gp and "Estimado" not in gp
