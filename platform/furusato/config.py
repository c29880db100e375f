"""All configuration, read from the environment in this one module.

With no environment at all the platform runs on its embedded default: a SQLite file under
`instance/`, Celery on kombu's SQLAlchemy transport (no broker server), localstripe on loopback
and mail to a local SMTP sink. Production sets `FURUSATO_ENV=production` and the real services;
it then refuses to start with a default secret or a SQLite database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production
# A Fernet key for the embedded default only; production must set MYNUMBER_KEYS.
DEFAULT_MYNUMBER_KEY = "ZGV2LW9ubHktbXludW1iZXIta2V5LWRvLW5vdC11c2U="
# The embedded default's Stripe credentials (localstripe accepts any): public, so refused in
# production like the secrets above.
DEFAULT_STRIPE_SECRET_KEY = "sk_test_furusato_local"  # noqa: S105 - refused in production
DEFAULT_STRIPE_PUBLISHABLE_KEY = "pk_test_furusato_local"
DEFAULT_STRIPE_WEBHOOK_SECRET = "whsec_furusato_local"  # noqa: S105 - refused in production
# Stripe's own endpoints: production loads stripe.js only from here (Stripe requires it), and
# its Content-Security-Policy names only these origins.
STRIPE_JS_URL = "https://js.stripe.com/v3/"
STRIPE_API_URL = "https://api.stripe.com"
STRIPE_HOOKS = "https://hooks.stripe.com"  # 3-D Secure challenge frames
SECRET_KEY_PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_")  # rk_: restricted keys

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTANCE_DIR = Path(os.environ.get("FURUSATO_INSTANCE_DIR", PROJECT_ROOT / "instance"))


class ConfigError(RuntimeError):
    """The environment describes a configuration the platform must not run with."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class CitySettings:
    """The municipality that runs the platform, and its furusato nozei policy numbers."""

    name: str = "泉佐野市"
    name_en: str = "Izumisano City"
    address: str = "大阪府泉佐野市市場東一丁目1番1号"
    address_en: str = "1-1-1 Ichiba-Higashi, Izumisano, Osaka"  # the footer of English pages
    postal_code: str = "598-8550"
    municipality_code: str = "27213"
    mayor: str = "千代松 大耕"
    phone: str = "072-463-1212"
    # Subsidy share of a donation on the city's own platform (percent).
    default_subsidy_rate_percent: int = 40
    # Solicitation costs counted against the 50 % rule, in basis points of the donation.
    payment_fee_bp: int = 360
    administration_bp: int = 500
    max_campaign_days: int = 90
    # Years a received My Number is kept before it is erased.
    mynumber_retention_years: int = 7
    # The city's bank account, written into the Zengin transfer file's header.
    bank_code: str = "0179"
    bank_name_kana: str = "ｲｽﾞﾐｻﾉｼﾝｷﾝ"
    branch_code: str = "001"
    branch_name_kana: str = "ﾎﾝﾃﾝ"
    account_type: str = "1"
    account_number: str = "1234567"
    requester_code: str = "0000000001"
    requester_name_kana: str = "ｲｽﾞﾐｻﾉｼ"


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str
    celery_broker_url: str
    celery_result_backend: str
    stripe_secret_key: str
    stripe_api_base: str | None
    stripe_publishable_key: str
    stripe_js_url: str
    stripe_webhook_secret: str
    # Attach the card to the customer before charging: localstripe decides test-card declines
    # there; Stripe attached it when the SetupIntent was confirmed, so the call is skipped.
    stripe_attach_card: bool
    smtp_url: str
    mail_from: str
    base_url: str
    ratelimit_storage_url: str
    # Reverse proxies in front of the app (load balancer, nginx): how many X-Forwarded-* hops
    # to trust for the client address (rate limits, audit) and scheme. 0 = none.
    trusted_proxies: int
    mynumber_keys: tuple[str, ...]
    reservation_minutes: int
    db_pool_size: int
    db_max_overflow: int
    city: CitySettings = field(default_factory=CitySettings)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> None:
        """Refuse configurations that would be unsafe with real donors' money and data."""
        if not self.is_production:
            return
        problems = self.production_problems()
        if problems:
            raise ConfigError("production configuration refused: " + "; ".join(problems))

    def production_problems(self) -> list[str]:
        """One line for each setting production must not run with."""
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of 32+ characters")
        if self.is_sqlite:
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if DEFAULT_MYNUMBER_KEY in self.mynumber_keys:
            problems.append("MYNUMBER_KEYS must be set (comma-separated Fernet keys, newest first)")
        problems += self._stripe_problems()
        return problems

    def _stripe_problems(self) -> list[str]:
        problems = []
        if self.stripe_webhook_secret == DEFAULT_STRIPE_WEBHOOK_SECRET:
            problems.append(
                "STRIPE_WEBHOOK_SECRET is the public development secret: set the endpoint's own"
            )
        elif not self.stripe_webhook_secret.startswith("whsec_"):
            problems.append("STRIPE_WEBHOOK_SECRET must be the endpoint's whsec_ secret")
        secret, publishable = self.stripe_secret_key, self.stripe_publishable_key
        secret_ok = secret != DEFAULT_STRIPE_SECRET_KEY and secret.startswith(SECRET_KEY_PREFIXES)
        publishable_ok = publishable != DEFAULT_STRIPE_PUBLISHABLE_KEY and publishable.startswith(
            ("pk_live_", "pk_test_")
        )
        if secret == DEFAULT_STRIPE_SECRET_KEY:
            problems.append("STRIPE_SECRET_KEY is the localstripe default: set your Stripe key")
        elif not secret_ok:
            problems.append("STRIPE_SECRET_KEY must be a Stripe secret key (sk_… or rk_…)")
        if publishable == DEFAULT_STRIPE_PUBLISHABLE_KEY:
            problems.append(
                "STRIPE_PUBLISHABLE_KEY is the localstripe default: set your Stripe key"
            )
        elif not publishable_ok:
            problems.append("STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key (pk_…)")
        live = secret.startswith(("sk_live_", "rk_live_")), publishable.startswith("pk_live_")
        if secret_ok and publishable_ok and live[0] != live[1]:
            problems.append(
                "STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY must be both live or both test keys"
            )
        if self.stripe_api_base is not None and self.stripe_api_base.rstrip("/") != STRIPE_API_URL:
            problems.append(
                f"STRIPE_API_BASE must be unset (Stripe itself), not {self.stripe_api_base!r}"
            )
        if self.stripe_js_url != STRIPE_JS_URL:
            problems.append(f"STRIPE_JS_URL must be {STRIPE_JS_URL}, not {self.stripe_js_url!r}")
        return problems

    def stripe_csp(self) -> dict[str, tuple[str, ...]]:
        """The origins stripe.js needs, per CSP directive. Production names Stripe's own,
        derived from the one stripe.js it allows (and refuses any other setting anyway): the
        script and its frames from js.stripe.com, 3-D Secure's frames from hooks.stripe.com,
        API calls to api.stripe.com. The embedded default and tests name localstripe's."""
        if self.is_production:
            js, api = _origin(STRIPE_JS_URL), STRIPE_API_URL
            return {"script-src": (js,), "connect-src": (api,), "frame-src": (js, STRIPE_HOOKS)}
        js, api = _origin(self.stripe_js_url), _origin(self.stripe_api_base or STRIPE_API_URL)
        return {"script-src": (js,), "connect-src": (api, js), "frame-src": (js, api)}


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else url


def load_settings() -> Settings:
    env = _env("FURUSATO_ENV", "development")
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    sqlite_db = f"sqlite:///{INSTANCE_DIR / 'furusato.db'}"
    localstripe_port = _int("LOCALSTRIPE_PORT", 8420)
    localstripe = f"http://127.0.0.1:{localstripe_port}"
    api_base = os.environ.get("STRIPE_API_BASE")
    if api_base is None and env != "production":
        api_base = localstripe
    city = CitySettings(
        name=_env("CITY_NAME", CitySettings.name),
        name_en=_env("CITY_NAME_EN", CitySettings.name_en),
        address=_env("CITY_ADDRESS", CitySettings.address),
        address_en=_env("CITY_ADDRESS_EN", CitySettings.address_en),
        postal_code=_env("CITY_POSTAL_CODE", CitySettings.postal_code),
        municipality_code=_env("CITY_MUNICIPALITY_CODE", CitySettings.municipality_code),
        mayor=_env("CITY_MAYOR", CitySettings.mayor),
        phone=_env("CITY_PHONE", CitySettings.phone),
        default_subsidy_rate_percent=_int(
            "CITY_SUBSIDY_RATE_PERCENT", CitySettings.default_subsidy_rate_percent
        ),
        payment_fee_bp=_int("CITY_PAYMENT_FEE_BP", CitySettings.payment_fee_bp),
        administration_bp=_int("CITY_ADMINISTRATION_BP", CitySettings.administration_bp),
        max_campaign_days=_int("CITY_MAX_CAMPAIGN_DAYS", CitySettings.max_campaign_days),
        mynumber_retention_years=_int(
            "CITY_MYNUMBER_RETENTION_YEARS", CitySettings.mynumber_retention_years
        ),
        bank_code=_env("CITY_BANK_CODE", CitySettings.bank_code),
        bank_name_kana=_env("CITY_BANK_NAME_KANA", CitySettings.bank_name_kana),
        branch_code=_env("CITY_BRANCH_CODE", CitySettings.branch_code),
        branch_name_kana=_env("CITY_BRANCH_NAME_KANA", CitySettings.branch_name_kana),
        account_type=_env("CITY_ACCOUNT_TYPE", CitySettings.account_type),
        account_number=_env("CITY_ACCOUNT_NUMBER", CitySettings.account_number),
        requester_code=_env("CITY_REQUESTER_CODE", CitySettings.requester_code),
        requester_name_kana=_env("CITY_REQUESTER_NAME_KANA", CitySettings.requester_name_kana),
    )
    settings = Settings(
        env=env,
        secret_key=_env("SECRET_KEY", DEFAULT_SECRET_KEY),
        database_url=_env("DATABASE_URL", sqlite_db),
        celery_broker_url=_env("CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'broker.db'}"),
        celery_result_backend=_env(
            "CELERY_RESULT_BACKEND", f"db+sqlite:///{INSTANCE_DIR / 'results.db'}"
        ),
        stripe_secret_key=_env("STRIPE_SECRET_KEY", DEFAULT_STRIPE_SECRET_KEY),
        stripe_api_base=api_base or None,
        stripe_publishable_key=_env("STRIPE_PUBLISHABLE_KEY", DEFAULT_STRIPE_PUBLISHABLE_KEY),
        stripe_js_url=_env("STRIPE_JS_URL", f"{localstripe}/js.stripe.com/v3/"),
        stripe_webhook_secret=_env("STRIPE_WEBHOOK_SECRET", DEFAULT_STRIPE_WEBHOOK_SECRET),
        stripe_attach_card=_bool("STRIPE_ATTACH_CARD", api_base is not None),
        smtp_url=_env("SMTP_URL", "smtp://127.0.0.1:8025"),
        mail_from=_env("MAIL_FROM", "furusato@city.example.jp"),
        base_url=_env("BASE_URL", "http://127.0.0.1:5000"),
        ratelimit_storage_url=_env("RATELIMIT_STORAGE_URL", "memory://"),
        trusted_proxies=_int("TRUSTED_PROXIES", 0),
        mynumber_keys=tuple(
            k.strip() for k in _env("MYNUMBER_KEYS", DEFAULT_MYNUMBER_KEY).split(",") if k.strip()
        ),
        reservation_minutes=_int("RESERVATION_MINUTES", 30),
        db_pool_size=_int("DB_POOL_SIZE", 10),
        db_max_overflow=_int("DB_MAX_OVERFLOW", 20),
        city=city,
    )
    settings.check()
    return settings


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    global _settings
    _settings = None
