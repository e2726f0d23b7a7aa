"""Web hardening: the CSP, production settings passing `check --deploy`, upload limits."""

import re
import secrets
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinic.uploads import validate_upload_size
from tests.clinic.test_settings import ROOT, run_check

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler"),
]


@pytest.mark.django_db
def test_every_page_is_served_with_a_strict_content_security_policy(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_style(template: Path):
    """The CSP would block them: JS and CSS go in static files."""
    text = template.read_text()
    found = [what for pattern, what in INLINE_CODE if pattern.search(text)]
    assert not found, f"{template.name} has {', '.join(found)}"


def test_production_settings_pass_the_deployment_checks():
    result = run_check(
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_an_oversized_request_is_refused_with_400_not_a_crash(client):
    response = client.post(reverse("login"), {"username": "x" * 3_000_000, "password": "x"})
    assert response.status_code == 400


def test_a_file_over_the_limit_is_refused_with_its_size(settings):
    settings.MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    validate_upload_size(SimpleUploadedFile("letter.pdf", b"x" * (10 * 1024 * 1024)))
    with pytest.raises(ValidationError, match="at most 10.0"):
        validate_upload_size(SimpleUploadedFile("scan.pdf", b"x" * (10 * 1024 * 1024 + 1)))
