"""Mercato settings: one file, read from the environment once.

Every value has a safe development default, so `make run` needs nothing set. Production
(`DEBUG=false`) refuses to start with the development secret key. The full table of
variables is in the README.
"""

import importlib.util
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("MERCATO_HOME", Path.cwd())).resolve()
VAR_DIR = PROJECT_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """A rate limit written `N/unit` (`10/h`, `5/10m`, `100/d`; units s, m, h, d, or a number
    of seconds: `30/600`) as (attempts, window in seconds); `off` means no limit."""
    text = env(name, default).strip().lower()
    if text == "off":
        return None
    match = re.fullmatch(r"(\d+)/(\d*)([smhd]?)", text)
    limit, window = 0, 0
    if match and (match[2] or match[3]):
        limit, window = int(match[1]), int(match[2] or 1) * _RATE_UNITS[match[3] or "s"]
    if limit < 1 or window < 1:
        raise ImproperlyConfigured(f"{name} must look like 10/h or 5/10m, or be off: {text!r}.")
    return limit, window


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "mercato-insecure-development-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("MERCATO_TESTING", False)
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-cart-token",
)
CORS_EXPOSE_HEADERS = ("idempotent-replayed", "retry-after")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "treebeard",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mercato.core",
    "mercato.accounts",
    "mercato.customers",
    "mercato.audit",
    "mercato.catalog",
    "mercato.inventory",
    "mercato.pricing",
    "mercato.shipping",
    "mercato.orders",
    "mercato.payments",
    "mercato.checkout",
    "mercato.analytics",
]

# The header-setting middleware sits above the ones that answer by themselves (body size,
# problem documents), so that every response, a 404 or a 413 too, carries the headers.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mercato.core.middleware.ContentSecurityPolicyMiddleware",
    "mercato.core.middleware.BodySizeLimitMiddleware",
    "mercato.core.middleware.ProblemMiddleware",
    "mercato.catalog.cache.StoreCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mercato.accounts.admin_two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mercato.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "mercato.urls"
WSGI_APPLICATION = "mercato.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'mercato.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASE_URL.startswith(f"sqlite:///{VAR_DIR}"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default needs its folder
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so
    # two transactions never deadlock upgrading a read lock; the timeout waits for it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME", "") or None}
    # The covering index's INCLUDE columns are a PostgreSQL speed-up; SQLite keeps the index
    # without them, which is what we want, so its warning at every start says nothing.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, rate limits -----------------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "mercato"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    # Per process; the store response cache wants room for many pages (Redis shares one).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 20000)},
        }
    }

RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
# Against card testing and code guessing (README: the format). A declined card counts twice.
RATE_LIMIT_PAYMENT_ORDER = env_rate("RATE_LIMIT_PAYMENT_ORDER", "10/h")
RATE_LIMIT_PAYMENT_IP = env_rate("RATE_LIMIT_PAYMENT_IP", "30/h")
RATE_LIMIT_VOUCHER_CART = env_rate("RATE_LIMIT_VOUCHER_CART", "10/h")
RATE_LIMIT_VOUCHER_IP = env_rate("RATE_LIMIT_VOUCHER_IP", "30/h")
RATE_LIMIT_CART_IP = env_rate("RATE_LIMIT_CART_IP", "100/h")

# --- background tasks -----------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
EMAIL_VERIFICATION_TIMEOUT = env_int("EMAIL_VERIFICATION_TIMEOUT", 3 * 24 * 60 * 60)
ACCESS_TOKEN_TTL = env_int("ACCESS_TOKEN_TTL", 15 * 60)
REFRESH_TOKEN_TTL = env_int("REFRESH_TOKEN_TTL", 30 * 24 * 60 * 60)
STAFF_TOKEN_TTL = env_int("STAFF_TOKEN_TTL", 8 * 60 * 60)
LOGIN_LOCKOUT_THRESHOLD = env_int("LOGIN_LOCKOUT_THRESHOLD", 5)
LOGIN_LOCKOUT_BASE_SECONDS = env_int("LOGIN_LOCKOUT_BASE_SECONDS", 30)
LOGIN_LOCKOUT_MAX_SECONDS = env_int("LOGIN_LOCKOUT_MAX_SECONDS", 60 * 60)
# Staff two-factor authentication (TOTP + recovery codes; docs/operations.md). Staff in these
# roles (group names; `superuser` for superusers, `*` for every staff member, empty for none)
# must enrol before they can use the back office or the admin API. Default: Owner and
# superusers; none with DEBUG on, so the demo staff account of `make run` signs in with a
# password alone. Anyone may enrol; whoever has a device is asked for a code at every sign-in.
STAFF_2FA_REQUIRED_ROLES = env_list(
    "MERCATO_2FA_REQUIRED_ROLES", "" if DEBUG else "Owner,superuser"
)
OTP_TOTP_ISSUER = env("MERCATO_2FA_ISSUER", "") or None  # None: SHOP_NAME (set below)
# The password of the demo staff account that `mercato run` makes on an empty database. Empty:
# a random one, printed once. Scripts that sign in as staff (CI's purchase check) set it.
DEMO_STAFF_PASSWORD = env("MERCATO_DEMO_STAFF_PASSWORD")

# Where links in emails point: the storefront's pages that take a reset or verify token.
STOREFRONT_URL = env("STOREFRONT_URL", "http://localhost:3000")
PASSWORD_RESET_URL = env("PASSWORD_RESET_URL", STOREFRONT_URL + "/reset-password?token={token}")
EMAIL_VERIFY_URL = env("EMAIL_VERIFY_URL", STOREFRONT_URL + "/verify-email?token={token}")

# --- email ----------------------------------------------------------------------------------

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mercato <shop@localhost>")
SHOP_NAME = env("SHOP_NAME", "Mercato Demo Shop")
OTP_TOTP_ISSUER = OTP_TOTP_ISSUER or SHOP_NAME  # the name authenticator apps show

# --- HTTP, security -------------------------------------------------------------------------

# Bodies above this are refused with 413 before they are read.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
# File uploads (multipart: product images, CSV imports) may be larger; files above
# FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file, never held in memory.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
IDEMPOTENCY_TTL = env_int("IDEMPOTENCY_TTL", 24 * 60 * 60)
IDEMPOTENCY_LOCK_TIMEOUT = env_int("IDEMPOTENCY_LOCK_TIMEOUT", 5 * 60)
IDEMPOTENCY_CALLER = "mercato.accounts.authentication.idempotency_caller"
API_PAGE_MAX_LIMIT = 100

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
# The number of reverse proxies in front of Mercato whose X-Forwarded-For can be trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- i18n, static ---------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
# Uploaded media (product images, imports): local files by default, served by Mercato itself
# under MEDIA_URL (SERVE_MEDIA); or any S3-compatible bucket when S3_BUCKET is set.
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
S3_BUCKET = env("S3_BUCKET")
SERVE_MEDIA = env_bool("SERVE_MEDIA", not S3_BUCKET)
if S3_BUCKET and not all(importlib.util.find_spec(m) for m in ("storages", "boto3")):
    # S3 support is the optional extra `s3` (django-storages with boto3).
    raise ImproperlyConfigured(
        "S3_BUCKET is set but S3 support is not installed: pip install 'mercato[s3]' "
        "(or install requirements/s3.lock)."
    )
if S3_BUCKET:
    s3_options: dict[str, str | bool | None] = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("S3_ENDPOINT_URL") or None,
        "region_name": env("S3_REGION") or None,
        "access_key": env("S3_ACCESS_KEY_ID") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
        "custom_domain": env("S3_CUSTOM_DOMAIN") or None,
        "querystring_auth": env_bool("S3_SIGNED_URLS", False),
        "file_overwrite": False,
    }
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options}
    # Private files (CSV imports): the same bucket under private/, reached only by signed URLs.
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **s3_options,
            "location": "private",
            "default_acl": "private",
            "querystring_auth": True,
            "custom_domain": None,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env("PRIVATE_ROOT", str(VAR_DIR / "private"))))},
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- commerce -------------------------------------------------------------------------------

STORE_CURRENCY = env("STORE_CURRENCY", "EUR")
# Anonymous catalog reads are cached this long (0: off). Every catalog change invalidates them
# at once; the time only bounds how late a product scheduled for publication shows up.
STORE_CACHE_SECONDS = env_int("STORE_CACHE_SECONDS", 60)
# PostgreSQL text search configuration for product search ("simple": no stemming, any language).
SEARCH_CONFIG = env("SEARCH_CONFIG", "simple")

# Inventory: how long a cart holds its stock, whether an order line may draw on several
# warehouses, the default low-stock threshold, and whether shoppers see exact counts.
RESERVATION_TTL = env_int("RESERVATION_TTL", 15 * 60)
ALLOCATION_SPLIT_LINES = env_bool("ALLOCATION_SPLIT_LINES", True)
LOW_STOCK_THRESHOLD = env_int("LOW_STOCK_THRESHOLD", 5)
STOCK_SHOW_QUANTITY = env_bool("STOCK_SHOW_QUANTITY", False)

# Carts: how long an idle cart lives, and the limits of a cart.
CART_TTL_DAYS = env_int("CART_TTL_DAYS", 30)
CART_MAX_LINE_QUANTITY = env_int("CART_MAX_LINE_QUANTITY", 100)
CART_MAX_LINES = env_int("CART_MAX_LINES", 100)

# Orders: a placed order is confirmed at once unless staff confirm each one; the link in an
# order email opens the order in the storefront (a guest's link carries the order's token).
ORDERS_AUTO_CONFIRM = env_bool("ORDERS_AUTO_CONFIRM", True)
ORDERS_FULFIL_UNPAID = env_bool("ORDERS_FULFIL_UNPAID", True)  # False: only paid orders ship
ORDER_URL = env("ORDER_URL", STOREFRONT_URL + "/orders/{order_id}?token={token}")
# An order nobody paid (not charged, or failed) is cancelled this long after it was placed,
# which gives its stock back. 0 keeps unpaid orders until staff cancel them.
ORDERS_UNPAID_CANCEL_HOURS = env_int("ORDERS_UNPAID_CANCEL_HOURS", 0)

# Analytics (docs/analytics.md): the days of the reports are the shop's days, in this time
# zone; only orders in these statuses count; a report covers at most this many days. A change
# to the first two applies to the facts written from then on: `mercato rebuild-analytics`
# applies it to the history.
SHOP_TIME_ZONE = env("SHOP_TIME_ZONE", TIME_ZONE)
ANALYTICS_COUNTED_STATUSES = env_list(
    "ANALYTICS_COUNTED_STATUSES",
    "unconfirmed,unfulfilled,partially_fulfilled,fulfilled,partially_returned,returned",
)
ANALYTICS_MAX_RANGE_DAYS = env_int("ANALYTICS_MAX_RANGE_DAYS", 5 * 366)
# Storefront events (docs/analytics.md): raw events are kept this many days (the roll-ups
# for good); an event's moment may be this far ahead of the server's clock, and this old; a
# batch may be this large; one address may send this many batches.
ANALYTICS_EVENT_RETENTION_DAYS = env_int("ANALYTICS_EVENT_RETENTION_DAYS", 396)
ANALYTICS_EVENT_CLOCK_SKEW_SECONDS = env_int("ANALYTICS_EVENT_CLOCK_SKEW_SECONDS", 300)
ANALYTICS_EVENT_MAX_AGE_HOURS = env_int("ANALYTICS_EVENT_MAX_AGE_HOURS", 48)
ANALYTICS_EVENTS_MAX_BODY_BYTES = env_int("ANALYTICS_EVENTS_MAX_BODY_BYTES", 64 * 1024)
RATE_LIMIT_ANALYTICS_IP = env_rate("RATE_LIMIT_ANALYTICS_IP", "300/m")
# A cart with lines, not turned into an order, untouched this long is abandoned (carts report).
ANALYTICS_CART_ABANDONED_HOURS = env_int("ANALYTICS_CART_ABANDONED_HOURS", 24)

# --- back office ----------------------------------------------------------------------------

UNFOLD = {
    "SITE_TITLE": "Mercato",
    "SITE_HEADER": "Mercato back office",
    "SITE_SYMBOL": "storefront",
    "SHOW_HISTORY": True,
    # The home page is the dashboard; the sidebar starts with it and the Reports section.
    "DASHBOARD_CALLBACK": "mercato.analytics.dashboard.dashboard_callback",
    "SIDEBAR": {"navigation": "mercato.analytics.admin.sidebar.navigation"},
    "ACCOUNT": {
        "navigation": [
            {"title": "Change password", "link": "/admin/password_change/"},
            {"title": "Two-factor authentication", "link": "/admin/2fa/"},
        ]
    },
    "COLORS": {
        "primary": {
            "50": "236 253 245",
            "100": "209 250 229",
            "200": "167 243 208",
            "300": "110 231 183",
            "400": "52 211 153",
            "500": "16 185 129",
            "600": "5 150 105",
            "700": "4 120 87",
            "800": "6 95 70",
            "900": "6 78 59",
            "950": "2 44 34",
        }
    },
}

# --- logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "one_line": {
            "()": "mercato.core.logs.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {"refused_host": {"()": "mercato.core.logs.RefusedHostFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "console_one_line": {"class": "logging.StreamHandler", "formatter": "one_line"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django adds its own console handler in DEBUG; one handler is enough.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # One INFO line per task state (RUNNING, SUCCESSFUL) is noise; a failed task is an
        # ERROR with its traceback. `mercato worker -v 2` shows every task.
        "django_tasks": {"level": "WARNING"},
        # Scanners send any Host header: a refused one is one line (no traceback), and
        # django.request does not log that 400 a second time.
        "django.request": {"filters": ["refused_host"]},
        "django.security.DisallowedHost": {"handlers": ["console_one_line"], "propagate": False},
    },
}

# --- payments -------------------------------------------------------------------------------

# Which providers shoppers may pay with (`manual`: bank transfer or cash on delivery, staff
# mark it paid; `test`: the simulated card processor, on by default only with DEBUG), and the
# class of each. Authorised card payments are captured at once unless PAYMENT_AUTO_CAPTURE is
# off (then staff capture them, in parts if they like).
PAYMENT_PROVIDERS = env_list("PAYMENT_PROVIDERS", "manual,test" if DEBUG else "manual")
PAYMENT_PROVIDER_CLASSES = {
    "manual": "mercato.payments.providers.manual.ManualProvider",
    "test": "mercato.payments.providers.testcard.TestCardProvider",
}
PAYMENT_AUTO_CAPTURE = env_bool("PAYMENT_AUTO_CAPTURE", True)
# Signing secret of the test processor's webhooks (empty: derived from SECRET_KEY), and how
# far a webhook's signature time may be from ours (seconds) before it counts as a replay.
PAYMENT_TEST_WEBHOOK_SECRET = env("PAYMENT_TEST_WEBHOOK_SECRET", "")
PAYMENT_WEBHOOK_TOLERANCE = env_int("PAYMENT_WEBHOOK_TOLERANCE", 300)
