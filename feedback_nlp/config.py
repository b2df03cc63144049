"""One configuration object for the whole product.

Settings come from, in order of precedence: keyword arguments, environment variables
with the ``FEEDBACK_NLP_`` prefix (``__`` separates nested groups, e.g.
``FEEDBACK_NLP_INGEST__MAX_TEXT_LENGTH=2000``), a ``.env`` file in the working
directory, then the defaults below. Entry points (CLI, API, training scripts) call
:func:`get_settings` and pass plain values into the library; library functions never
read settings themselves, so they stay testable without an environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngestSettings(BaseModel):
    """Ingestion limits."""

    max_text_length: int = Field(5000, gt=0, description="Longest accepted feedback text or note, in characters.")
    chunk_rows: int = Field(100_000, gt=0, description="Rows read and validated per chunk; bounds memory.")


class TextSettings(BaseModel):
    """Normalisation and segmentation."""

    user_dict_paths: list[Path] = Field(
        default_factory=list,
        description="Extra jieba user dictionaries, loaded after the shipped domain dictionary.",
    )
    stopwords_paths: list[Path] = Field(
        default_factory=list, description="Extra stopword files (one word per line) for keyword extraction."
    )
    jieba_cache_dir: Path | None = Field(None, description="Where jieba caches its prefix dictionary.")
    hmm: bool = Field(
        True,
        description="jieba's HMM for words missing from the dictionaries; off is ~35% faster segmentation "
        "and slightly less accurate (see README).",
    )


class KpiTargets(BaseModel):
    """Default KPI targets from shared/spec/kpis.md; override per deployment."""

    first_response_hours: float = Field(2.0, gt=0, description="Response-time target (hours).")
    resolution_hours: float = Field(48.0, gt=0, description="Resolution-time target (hours).")
    resolution_rate: float = Field(0.90, ge=0, le=1)
    first_time_fix_rate: float = Field(0.80, ge=0, le=1)
    repeat_problem_rate: float = Field(0.05, ge=0, le=1)
    csat_rate: float = Field(0.95, ge=0, le=1)


class Settings(BaseSettings):
    """Everything configurable. Paths are resolved relative to the working directory."""

    model_config = SettingsConfigDict(
        env_prefix="FEEDBACK_NLP_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(Path("data"), description="Where the store, demo data and ingest reports live.")
    db_path: Path | None = Field(None, description="DuckDB file; defaults to <data_dir>/feedback.duckdb.")
    db_memory_limit: str = Field("1GB", description="DuckDB memory cap; beyond it queries spill to disk.")
    model_dir: Path = Field(Path("models"), description="Model artifacts, one directory per model version.")
    public_data_dir: Path = Field(
        Path("../shared/data/public"),
        description="Public labelled Chinese data (read in place) used when a model is trained on first start.",
    )
    timezone: str = Field("Asia/Shanghai", description="Zone for timestamps given without one, and for periods.")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    text: TextSettings = Field(default_factory=TextSettings)
    kpi_targets: KpiTargets = Field(default_factory=KpiTargets)

    @property
    def database_path(self) -> Path:
        return self.db_path if self.db_path is not None else self.data_dir / "feedback.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call ``get_settings.cache_clear()``."""
    return Settings()
