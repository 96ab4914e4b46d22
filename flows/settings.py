"""The one settings object, read from ``ACCORDS_*`` environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``ACCORDS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ACCORDS_", extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL >= 14 (postgresql+psycopg://...); "
        "unset = embedded PostgreSQL in data_dir",
    )
    data_dir: Path = Field(
        default_factory=lambda: user_data_path("accords", appauthor=False),
        description="where the embedded PostgreSQL keeps its files",
    )
    feeds_file: Path = Field(
        default=REPO_ROOT / "feeds.toml", description="TOML list of feeds to poll"
    )
    allowed_hosts: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        description="comma-separated hosts that may resolve to private or loopback addresses",
    )
    only_allowed_hosts: bool = Field(
        default=False, description="request nothing but ACCORDS_ALLOWED_HOSTS (closed networks)"
    )
    user_agent: str = "accords/0.1 (news research bot; +https://example.org/accords)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    request_deadline: float = 60.0
    max_bytes: int = Field(default=20_000_000, description="size cap of one feed or page")
    max_redirects: int = 5
    per_host_concurrency: int = 2
    min_host_delay: float = Field(default=1.0, description="seconds between requests to one host")
    max_retries: int = Field(default=3, description="retries of a request on 429/5xx/timeouts")
    retry_backoff: float = Field(default=1.0, description="base of the exponential back-off, s")
    respect_robots: bool = True
    fetch_workers: int = Field(default=8, description="concurrent article downloads per batch")
    clean_workers: int = Field(default=2, description="processes cleaning HTML (CPU-bound)")
    batch_size: int = Field(default=200, description="articles per fetch/clean task")
    task_threads: int = Field(
        default=16, description="tasks run at once in the flow's process (feed polls, batches)"
    )
    batches_in_flight: int = Field(
        default=3, description="batch tasks submitted at once (raise it to the Dask workers + 1)"
    )
    dask_workers: int = Field(
        default=0, description="run the tasks on a local Dask cluster of this many processes"
    )
    dask_address: str | None = Field(
        default=None, description="run the tasks on this Dask scheduler (tcp://host:8786)"
    )
    max_feed_failures: int = Field(
        default=10, description="consecutive failures after which a feed is disabled"
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(h.strip().lower() for h in value.split(",") if h.strip())
        return value

    def masked(self) -> dict[str, object]:
        """Settings as a dict for display; secrets stay masked."""
        return {k: (str(v) if isinstance(v, SecretStr) else v) for k, v in self}


@cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
