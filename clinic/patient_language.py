"""What the clinic sends a patient (emails, text messages, push notifications, printouts) is in
the patient's language (`Patient.language`), whoever makes it: a job has no request, and a
member of staff printing a sheet reads English pages around it. Each maker builds its text
inside `in_language_of(patient)`, which also puts the language back afterwards, so a job that
writes to an English and a Spanish patient in turn gives each their own.

The dates in a message's text are written with the formats below, translated with the rest:
"Tuesday 2 June 2026 at 09:00" is "martes 2 de junio de 2026 a las 09:00" in Spanish.
Templates use Django's named formats ("DATE_FORMAT") instead.
"""

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import pgettext_lazy

DAY_MONTH_YEAR = pgettext_lazy("date format: 2 June 2026", "j F Y")
DAY_MONTH_AT = pgettext_lazy("date format: 2 June at 09:00", r"j F \a\t H:i")
WEEKDAY_DAY_MONTH = pgettext_lazy("date format: Tuesday 2 June", "l j F")
WEEKDAY_DAY_MONTH_AT = pgettext_lazy("date format: Tuesday 2 June at 09:00", r"l j F \a\t H:i")
WEEKDAY_DATE_AT = pgettext_lazy("date format: Tuesday 2 June 2026 at 09:00", r"l j F Y \a\t H:i")
SHORT_WEEKDAY_DAY_MONTH_AT = pgettext_lazy("date format: Tue 2 Jun at 09:00", r"D j M \a\t H:i")


def language_of(patient) -> str:
    """The patient's language, or the clinic's when it is one we do not have."""
    known = dict(settings.LANGUAGES)
    return patient.language if patient.language in known else settings.LANGUAGE_CODE


def in_language_of(patient):
    """A context in which gettext and date formats speak the patient's language."""
    return translation.override(language_of(patient))


def shown(value, style) -> str:
    """A date or (local) date and time in one of the formats above, in the active language."""
    return date_format(value, str(style))
