"""Settings shared by every part of ctbridge, read from the environment and an optional `.env`."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ctbridge.engine.config import EngineConfig
from ctbridge.errors import ConfigurationError

SettingsT = TypeVar("SettingsT", bound=BaseSettings)

ENV_FILE_CONFIG = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class CommercetoolsSettings(BaseSettings):
    """The commercetools project and API client, with the seed connectors' variable names."""

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG, env_prefix="CTP_")

    project_key: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scope: str = ""
    region: str = "europe-west1.gcp"
    api_url: str | None = None
    auth_url: str | None = None

    @property
    def api_base(self) -> str:
        return (self.api_url or f"https://api.{self.region}.commercetools.com").rstrip("/")

    @property
    def auth_base(self) -> str:
        return (self.auth_url or f"https://auth.{self.region}.commercetools.com").rstrip("/")

    @property
    def scopes(self) -> list[str]:
        """CTP_SCOPE may separate scopes by spaces or commas; default: manage the project."""
        found = [s for s in self.scope.replace(",", " ").split() if s]
        return found or [f"manage_project:{self.project_key}"]


class EngineSettings(BaseSettings, EngineConfig):
    """The process: store, enabled connectors, extensions, admin access, HTTP limits, logs; the
    engine's own tuning (attempts, backoff, worker, leases, job retries, retention) comes from
    `EngineConfig` and is read from the same CTBRIDGE_* variables."""

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG, env_prefix="CTBRIDGE_")

    database_url: str = "sqlite:///ctbridge.db"
    connectors: Annotated[list[str], NoDecode] = Field(default_factory=list)
    extensions: Annotated[list[str], NoDecode] = Field(default_factory=list)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    # Pub/Sub push waits 10 s by default for an answer: answer (503 if need be) before that.
    request_deadline_seconds: float = Field(default=8.0, gt=0)
    keep_alive_seconds: float = Field(default=5.0, gt=0)
    metrics_token: SecretStr | None = None
    pubsub_subscription: str | None = Field(
        default=None, pattern=r"^projects/[^/]+/subscriptions/[^/]+$"
    )
    # "auto": serve/worker read the Messages Query API at start from just before the newest
    # message in the inbox (ctbridge.commercetools.catchup).
    catchup: str = Field(default="off", pattern="^(off|auto)$")
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")
    log_level: str = "INFO"

    @field_validator("connectors", "extensions", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


def load(settings_class: type[SettingsT], **overrides: object) -> SettingsT:
    """Builds settings, turning validation errors into one line per variable."""
    try:
        return settings_class(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(describe(settings_class, error)) from None


def describe(settings_class: type[BaseSettings], error: ValidationError) -> list[str]:
    """One line per problem, naming the environment variable, never the value given."""
    prefix = settings_class.model_config.get("env_prefix", "") or ""
    lines = []
    for problem in error.errors():
        field_name = ".".join(str(part) for part in problem["loc"]) or "?"
        variable = f"{prefix}{field_name}".upper()
        message = "is required but not set" if problem["type"] == "missing" else problem["msg"]
        lines.append(f"{variable}: {message}")
    return lines
