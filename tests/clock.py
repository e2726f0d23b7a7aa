"""The instant the tests that need a standing clock stand at: Monday 23 Nov 2026, noon."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
TODAY = NOON.date()
