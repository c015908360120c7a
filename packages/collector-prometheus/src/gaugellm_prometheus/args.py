"""The ``prometheus`` collector's options."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from gaugellm.collector.args import CollectorArgs

__all__ = ["PrometheusCollectorArgs", "Preset"]

Preset = Literal["auto", "vllm", "sglang", "tgi", "none"]


class PrometheusCollectorArgs(CollectorArgs):
    """A server's Prometheus metrics, scraped every ``interval_s``."""

    type: Literal["prometheus"] = "prometheus"
    urls: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="The /metrics URLs to scrape; empty: the backend target's own /metrics.",
    )
    preset: Preset = Field(
        default="auto",
        description="Which known series to keep: vllm, sglang, tgi, auto (those the server exposes) or none.",
    )
    series: list[str] = Field(
        default_factory=list,
        max_length=256,
        description="More metric families to keep, by name or shell pattern (e.g. 'vllm:request_*').",
    )
    timeout_s: float = Field(default=2.0, gt=0, le=60, description="The longest one scrape may take.")
    bearer_token: SecretStr | None = Field(default=None, description="Sent as 'Authorization: Bearer ...'.")

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("each URL must be http:// or https:// with a host, e.g. http://127.0.0.1:8000/metrics")
        return urls
