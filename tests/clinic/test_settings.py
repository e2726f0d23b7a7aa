import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.settings import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def run_check(*args: str, **env) -> subprocess.CompletedProcess:
    """Run `manage.py check [args]` in a clean process with the given environment."""
    # the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE, which production must not have
    harness = {"DEBUG", "SECRET_KEY", "PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in harness}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_bool_reads_yes_and_no_words(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", default=False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", default=True) is False


def test_env_bool_rejects_an_unclear_value(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe'"):
        env_bool("FLAG", default=False)


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("PORT_NUMBER", "twenty")
    with pytest.raises(ImproperlyConfigured):
        env_int("PORT_NUMBER", 25)


def test_it_refuses_to_start_without_a_secret_when_debug_is_off():
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_the_development_secret_with_debug_off():
    result = run_check(DEBUG="0", SECRET_KEY="development-only-secret-key-not-for-production")
    assert result.returncode != 0
    assert "development SECRET_KEY" in result.stderr


def test_it_starts_in_debug_without_a_secret():
    result = run_check(DEBUG="1")
    assert result.returncode == 0, result.stderr
