"""The X-Query-Count header `make bench` reads (clinic/query_count.py): off unless asked for."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.query_count import HEADER
from tests.factories import PatientFactory

MIDDLEWARE = "clinic.query_count.QueryCountHeaderMiddleware"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def header_on(settings):
    settings.QUERY_COUNT_HEADER = True
    settings.MIDDLEWARE = [MIDDLEWARE, *[m for m in settings.MIDDLEWARE if m != MIDDLEWARE]]


def test_the_header_is_absent_by_default(neurologist_client, settings):
    settings.QUERY_COUNT_HEADER = False
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    response = neurologist_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert HEADER not in response


def test_the_middleware_does_nothing_while_the_setting_is_off(neurologist_client, settings):
    settings.QUERY_COUNT_HEADER = False
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    response = neurologist_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert HEADER not in response


def test_the_header_counts_every_query_of_the_request(
    header_on, neurologist_client, django_assert_num_queries
):
    patient = PatientFactory()
    url = reverse("patients:chart", args=[patient.pk])
    neurologist_client.get(url)  # the first view settles the session
    with CaptureQueriesContext(connection) as captured:
        response = neurologist_client.get(url)
    assert response.status_code == 200
    counted = int(response[HEADER])
    assert counted == len(captured.captured_queries) > 3
    with django_assert_num_queries(counted):
        again = neurologist_client.get(url)
    assert int(again[HEADER]) == counted


def test_the_header_counts_a_post_and_its_writes(header_on, patient_client):
    url = reverse("portal:day_new")
    with CaptureQueriesContext(connection) as captured:
        response = patient_client.post(url, {"day": "2020-01-01", "headache": "False"})
    assert response.status_code in (200, 302)
    assert int(response[HEADER]) == len(captured.captured_queries) > 0


def test_an_anonymous_page_counts_zero(header_on, client):
    response = client.get(reverse("healthz"))
    assert response[HEADER] == "0"


def test_the_environment_switch_puts_it_first_in_the_middleware():
    code = "from django.conf import settings; print(settings.MIDDLEWARE[0])"
    harness = {"PYTEST_VERSION", "QUERY_COUNT_HEADER"}
    base = {k: v for k, v in os.environ.items() if k not in harness}
    for value, expected in (("1", MIDDLEWARE), ("0", "django.middleware.security")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, "DJANGO_SETTINGS_MODULE": "clinic.settings", "DEBUG": "1"}
            | {"QUERY_COUNT_HEADER": value},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(expected)
