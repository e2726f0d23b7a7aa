from unittest import mock

import pytest

from tests.treatments.progress_helpers import AFTER_S3


@pytest.fixture
def pinned_after_s3():
    """Pages compute progress as of today: pin it to 10 days after the third session."""
    with mock.patch("django.utils.timezone.localdate", return_value=AFTER_S3):
        yield AFTER_S3
