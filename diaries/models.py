"""The headache diary (DOMAIN.md §3): one entry per patient per day, the patient's acute
medicines, the doses taken on a day, and portal invitations."""

from datetime import date, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinic.dates import Weekday
from patients.models import Patient

# How far before registration a diary may start (when a day counts as late:
# `diaries.metrics.ENTERED_LATE`).
DAYS_BEFORE_REGISTRATION = 90
# Cluster headache has up to 8 attacks a day (ICHD-3 3.1); other short-lasting headaches more.
MAX_ATTACKS_A_DAY = 30


class MedicineClass(models.TextChoices):
    TRIPTAN = "triptan", _("Triptan")
    ERGOT = "ergot", _("Ergot")
    OPIOID = "opioid", _("Opioid")
    COMBINATION = "combination", _("Combination analgesic")
    SIMPLE = "simple", _("Simple analgesic or NSAID")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Relief(models.TextChoices):
    NONE = "none", _("No relief")
    PARTIAL = "partial", _("Partial relief")
    FULL = "full", _("Full relief")


class Source(models.TextChoices):
    PATIENT = "patient", _("Entered by the patient")
    TRANSCRIBED = "transcribed", _("Transcribed by staff from a paper diary")
    IMPORTED = "imported", _("Imported from a file")


medicine_name_validator = RegexValidator(
    r"^[^:;,\n]+$", _("A medicine name cannot contain a colon, semicolon or comma.")
)


class PatientMedicine(models.Model):
    """An acute medicine on the patient's own list, picked when logging a day."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medicines")
    name = models.CharField(max_length=80, validators=[medicine_name_validator])
    medicine_class = models.CharField(_("class"), max_length=12, choices=MedicineClass)
    usual_dose = models.CharField(_("usual dose"), max_length=80, blank=True)
    active = models.BooleanField(
        default=True,
        help_text=_("Untick to hide it when logging days; past days keep it."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "name"]
        constraints = [
            models.UniqueConstraint(
                "patient",
                Lower("name"),
                name="one_medicine_name_per_patient",
                violation_error_message=_("This medicine is already on the list."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_medicine_class_display()})"

    def clean(self):
        self.name = (self.name or "").strip()


def earliest_diary_day(patient: Patient) -> date:
    return patient.registered_on - timedelta(days=DAYS_BEFORE_REGISTRATION)


class DiaryDay(models.Model):
    """What happened on one calendar day. A headache-free day is an entry too."""

    FEATURES = [
        "one_sided",
        "pulsating",
        "worse_with_activity",
        "nausea_vomiting",
        "light_sensitivity",
        "sound_sensitivity",
        "aura",
    ]
    IMPACTS = ["missed_work", "cancelled_plans", "bed_rest"]

    # No index of its own: the (patient, day) unique constraint's index serves every lookup,
    # and a patient-only index tempted the planner into reading a patient's whole diary.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="diary_days", db_index=False
    )
    day = models.DateField()
    headache = models.BooleanField(_("I had a headache"), default=False)
    severity = models.CharField(
        _("worst pain"), max_length=10, choices=Severity, default=Severity.NONE
    )
    pain_score = models.PositiveSmallIntegerField(
        _("pain score (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text=_("Optional: 0 is no pain, 10 the worst imaginable."),
    )
    attacks = models.PositiveSmallIntegerField(
        _("number of attacks"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_ATTACKS_A_DAY)],
        help_text=_("Optional: separate attacks in the day (asked of cluster headache patients)."),
    )
    hours = models.DecimalField(
        _("hours of headache"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    one_sided = models.BooleanField(_("on one side"), default=False)
    pulsating = models.BooleanField(_("throbbing or pulsating"), default=False)
    worse_with_activity = models.BooleanField(_("worse with activity"), default=False)
    nausea_vomiting = models.BooleanField(_("nausea or vomiting"), default=False)
    light_sensitivity = models.BooleanField(_("light bothered me"), default=False)
    sound_sensitivity = models.BooleanField(_("sound bothered me"), default=False)
    aura = models.BooleanField(_("aura"), default=False)
    relief = models.CharField(_("relief from medicines"), max_length=10, choices=Relief, blank=True)
    missed_work = models.BooleanField(_("missed or reduced work or school"), default=False)
    cancelled_plans = models.BooleanField(_("cancelled plans"), default=False)
    bed_rest = models.BooleanField(_("needed bed rest"), default=False)
    menstruation = models.BooleanField(
        _("period (menstruation)"),
        null=True,
        blank=True,
        help_text=_("Optional, for menstrual migraine: left empty, the day does not say."),
    )
    trigger_note = models.CharField(
        _("possible triggers"),
        max_length=200,
        blank=True,
        default="",
        db_default="",  # rows copied in bulk (demo.bulk_diaries) leave it out
        help_text=_("Optional: e.g. missed meal, poor sleep, alcohol, stress."),
    )
    note = models.TextField(blank=True, max_length=2000)

    source = models.CharField(max_length=12, choices=Source, default=Source.PATIENT)
    late = models.BooleanField(
        default=False, help_text=_("First entered more than 7 days after the day: weaker recall.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]
        verbose_name = "diary day"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day"],
                name="one_diary_entry_per_day",
                violation_error_message=_("This day is already in the diary."),
            ),
            models.CheckConstraint(
                condition=Q(headache=True) | Q(severity=Severity.NONE),
                name="no_severity_without_headache",
                violation_error_message=_("A day without headache has no severity."),
            ),
            models.CheckConstraint(
                condition=Q(headache=False) | ~Q(severity=Severity.NONE),
                name="headache_has_severity",
                violation_error_message=_("Give the worst pain of the headache."),
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0, hours__lte=24),
                name="diary_hours_within_a_day",
                violation_error_message=_("Hours must be between 0 and 24."),
            ),
            models.CheckConstraint(
                condition=Q(pain_score__isnull=True) | Q(pain_score__lte=10),
                name="diary_pain_score_0_to_10",
                violation_error_message=_("The pain score is from 0 to 10."),
            ),
            models.CheckConstraint(
                condition=Q(attacks__isnull=True) | Q(attacks__lte=MAX_ATTACKS_A_DAY),
                name="diary_attacks_within_a_day",
                violation_error_message=format_lazy(
                    _("At most {} attacks in a day."), MAX_ATTACKS_A_DAY
                ),
            ),
        ]

    def __str__(self):
        return f"{self.day}: {'headache' if self.headache else 'no headache'}"

    @property
    def is_moderate_or_severe(self) -> bool:
        return self.severity in (Severity.MODERATE, Severity.SEVERE)

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.day and self.day > today:
            errors["day"] = gettext("You cannot log a day in the future.")
        if self.day and self.patient_id and self.day < earliest_diary_day(self.patient):
            errors["day"] = gettext(
                "The diary starts at %(day)s (%(days)d days before registration)."
            ) % {
                "day": date_format(earliest_diary_day(self.patient), "DATE_FORMAT"),
                "days": DAYS_BEFORE_REGISTRATION,
            }
        if not self.headache:
            if self.severity != Severity.NONE:
                errors["severity"] = gettext("A day without headache has no severity.")
            if self.hours:
                errors["hours"] = gettext("A day without headache has no headache hours.")
            if self.pain_score:
                errors["pain_score"] = gettext("A day without headache has no pain score.")
            if self.attacks:
                errors["attacks"] = gettext("A day without headache has no attacks.")
        elif self.severity == Severity.NONE:
            errors["severity"] = gettext(
                "Give the worst pain of the headache (mild, moderate or severe)."
            )
        if errors:
            raise ValidationError(errors)


class DiaryDose(models.Model):
    """Doses of one acute medicine taken on a diary day.

    The class is copied from the medicine when saved, so a later change to the medicine list
    does not rewrite past counts.
    """

    day = models.ForeignKey(DiaryDay, on_delete=models.CASCADE, related_name="doses")
    medicine = models.ForeignKey(PatientMedicine, on_delete=models.PROTECT, related_name="doses")
    medicine_class = models.CharField(_("class"), max_length=12, choices=MedicineClass)
    doses = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["medicine__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "medicine"],
                name="one_dose_row_per_medicine_per_day",
                violation_error_message=_("This medicine is listed twice for the day."),
            ),
            models.CheckConstraint(
                condition=Q(doses__gte=1, doses__lte=20),
                name="doses_1_to_20",
                violation_error_message=_("Doses are from 1 to 20."),
            ),
        ]

    def __str__(self):
        return f"{self.medicine.name} × {self.doses}"

    @property
    def audit_patient_id(self) -> int:
        return self.day.patient_id


class PortalInvitation(models.Model):
    """A one-time link emailed to a patient to set their portal password.

    Only a hash of the token is stored; the link itself is in the email alone.
    """

    VALID_FOR = timedelta(days=7)

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a newer invitation replaced this one."
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return f"Invitation for {self.patient} sent {self.sent_at:%Y-%m-%d}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class DiaryImport(models.Model):
    """A diary CSV file being imported by the job runner (diaries/imports.py), for the page to
    show its progress. The file is kept only until it is imported."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        CHECKING = "checking", _("Checking every line")
        SAVING = "saving", _("Saving the days")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Nothing was imported")
        FAILED = "failed", _("Stopped on a fault, waiting to try again")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diary_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(help_text="Lines of days in the file.")
    data = models.BinaryField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    added = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    medicines_added = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"Diary import of {self.rows} days for patient {self.patient_id}"

    @property
    def finished(self) -> bool:
        """Imported or refused; one that failed on a fault waits for the job's retry."""
        return self.status in (self.Status.DONE, self.Status.REFUSED)

    @property
    def step(self) -> int:
        """How far along, for the progress bar: 1 to 4."""
        return {self.Status.CHECKING: 2, self.Status.SAVING: 3}.get(
            self.status, 4 if self.finished else 1
        )


class Attack(models.Model):
    """One headache attack timed in the portal: "started" and "ended" taps (diaries/attacks.py).
    The diary days it touches follow from the day's attacks (hours, worst pain, count)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="attacks")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    peak_severity = models.CharField(
        _("worst pain"),
        max_length=10,
        choices=[choice for choice in Severity.choices if choice[0] != Severity.NONE],
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["patient", "started_at"], name="attack_patient_start_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ended_at__isnull=True),
                name="one_running_attack_per_patient",
                violation_error_message=_("A headache is already being timed."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="attack_ends_after_it_starts",
                violation_error_message=_("An attack ends after it starts."),
            ),
        ]

    def __str__(self):
        return f"Attack from {self.started_at:%Y-%m-%d %H:%M}"


class NudgeChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    PUSH = "push", _("Notification on this phone (web push)")


class DiaryNudgeSettings(models.Model):
    """How a patient wants to be reminded to keep their diary (diaries/nudges.py): a daily
    reminder when today is not logged, and a weekly one listing the missed days."""

    Weekday = Weekday

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="diary_nudge_settings"
    )
    daily = models.BooleanField(_("daily reminder"), default=False)
    daily_at = models.TimeField(_("time of day"), default=time(19, 0))
    channel = models.CharField(max_length=5, choices=NudgeChannel, default=NudgeChannel.EMAIL)
    weekly = models.BooleanField(_("weekly reminder of missed days"), default=False)
    weekday = models.PositiveSmallIntegerField(choices=Weekday, default=Weekday.SUNDAY)
    push_expired_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When web push stopped working and reminders went to email instead.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "diary nudge settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6), name="nudge_weekday_is_a_day_of_the_week"
            ),
        ]

    def __str__(self):
        return f"Diary reminders for patient {self.patient_id}"

    def clean(self):
        errors = {}
        if self.daily_at is not None and (self.daily_at.minute % 15 or self.daily_at.second):
            errors["daily_at"] = gettext("Choose a time on the quarter hour, e.g. 19:00 or 19:15.")
        if self.daily or self.weekly:
            if self.channel == NudgeChannel.EMAIL and not self.patient.email.strip():
                errors["channel"] = gettext(
                    "The clinic has no email address for you: choose another way, or phone "
                    "the clinic to add one."
                )
            elif self.channel == NudgeChannel.SMS and not self.patient.phone.strip():
                errors["channel"] = gettext(
                    "The clinic has no mobile number for you: choose another way, or phone "
                    "the clinic to add one."
                )
            elif self.channel == NudgeChannel.PUSH and not self.patient.push_subscriptions.exists():
                errors["channel"] = gettext(
                    "Notifications are not turned on for this phone yet: tap “Allow "
                    "notifications on this phone” first, or choose email or a text message."
                )
        if errors:
            raise ValidationError(errors)


class DiaryNudge(models.Model):
    """One diary reminder: the unique (patient, kind, day) makes each sent at most once."""

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, to be tried again"
        GAVE_UP = "gave_up", "Failed too often"
        UNREACHABLE = "unreachable", "Cannot be reached"
        NOT_NEEDED = "not_needed", "No longer needed"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diary_nudges")
    kind = models.CharField(max_length=6, choices=Kind)
    for_day = models.DateField()
    channel = models.CharField(max_length=5, choices=NudgeChannel, blank=True)
    status = models.CharField(max_length=11, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-for_day", "patient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "for_day"], name="one_diary_nudge_per_kind_and_day"
            ),
        ]
        indexes = [models.Index(fields=["for_day", "status"], name="diary_nudge_day_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} diary reminder for {self.for_day}"


class PushSubscription(models.Model):
    """A browser's web push subscription (the Push API's endpoint and keys) for a patient."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Push subscription of patient {self.patient_id}"


class DiarySubmission(models.Model):
    """A day sent from a phone's offline queue, by the key the phone gave it: a replay of the
    same key is answered "already received" and changes nothing (`diaries.offline`)."""

    class Outcome(models.TextChoices):
        SAVED = "saved", "saved"
        KEPT_LATER = "kept_later", "a later change from another device was kept"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diary_submissions")
    key = models.UUIDField(_("idempotency key"))
    device = models.UUIDField(help_text=_("The phone or browser that made it (its own random id)."))
    day = models.DateField()
    made_at = models.DateTimeField(_("made on the device at"))
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome)
    # The day as this left it: its updated_at, and when and where that version was made, so a
    # later entry can tell a change from another device from its own phone's earlier one.
    version = models.DateTimeField()
    version_made_at = models.DateTimeField()
    version_device = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "key"], name="one_submission_per_key")
        ]
        indexes = [models.Index(fields=["patient", "day"], name="submission_patient_day_idx")]

    def __str__(self):
        return f"{self.day} from the offline queue ({self.key})"
