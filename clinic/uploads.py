"""Limits for uploaded files, for every FileField and import form in the project."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat


def validate_upload_size(file) -> None:
    """Refuse a file larger than settings.MAX_UPLOAD_SIZE (10 MB unless configured)."""
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            f"The file is {filesizeformat(file.size)}; "
            f"files can be at most {filesizeformat(settings.MAX_UPLOAD_SIZE)}.",
            code="file_too_large",
        )
