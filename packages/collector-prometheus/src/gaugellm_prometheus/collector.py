"""The ``prometheus`` collector: scrape ``/metrics`` every interval, keep what explains latency, counters as rates.

At start it resolves what to scrape (the given URLs, or the backend target's own ``/metrics``), scrapes once (a
server that does not answer is a configuration that cannot work: the run stops there, before any load), decides
which known series apply (``preset: auto`` looks at the names the server writes), and asks the server about itself
(``/version``, ``/v1/models``: best effort, into the report's ``info``). Every later scrape is one sample; a failed
one is counted by the runner and the run goes on.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gaugellm.collector.base import Collector, CollectorContext
from gaugellm.errors import RunConfigError
from gaugellm_prometheus.args import PrometheusCollectorArgs
from gaugellm_prometheus.presets import HEADLINES, PRESETS, detect, matches
from gaugellm_prometheus.scrape import PlainGet, ScrapeError
from gaugellm_prometheus.snapshot import ExpositionReader, Snapshot, series_between

__all__ = ["PrometheusCollector", "ScrapeError", "metrics_url"]

#: The most bytes one exposition may have: a server's metrics are kilobytes; more is not a metrics page.
MAX_EXPOSITION_BYTES = 16 * 2**20


def metrics_url(target: str) -> str:
    """The ``/metrics`` of the server at ``target`` (its scheme, host and port; any path, e.g. ``/v1``, dropped)."""
    parts = urlsplit(target)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/metrics", "", ""))


def _base(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _where(url: str) -> str:
    """``host:port`` of a URL, credentials never shown."""
    return urlsplit(url).netloc.rpartition("@")[2]


class PrometheusCollector(Collector[PrometheusCollectorArgs]):
    """Scrapes one or more ``/metrics`` URLs; one sample holds every URL's series."""

    def __init__(self, args: PrometheusCollectorArgs) -> None:
        super().__init__(args)
        self._client: Any = None  # an httpx.AsyncClient, made for the first https URL (httpx is imported only then)
        self._headers: dict[str, str] = {}
        self._urls: list[str] = list(args.urls)
        self._wanted: frozenset[str] = frozenset()
        self._presets: list[str] = []
        self._previous: dict[str, tuple[float, Snapshot]] = {}
        self._server: dict[str, Any] = {}
        self._plain: dict[str, PlainGet] = {}
        self._readers: dict[str, ExpositionReader] = {}

    @property
    def info(self) -> dict[str, Any]:
        return {
            **super().info,
            "urls": [_where(url) + urlsplit(url).path for url in self._urls],
            "presets": self._presets,
            "headline": {name: stat for preset in self._presets for name, stat in HEADLINES[preset].items()},
            **({"server": self._server} if self._server else {}),
        }

    async def start(self, context: CollectorContext) -> None:
        if not self._urls:
            if context.target is None:
                raise RunConfigError(
                    "collector 'prometheus' needs urls (the backend has no target whose /metrics it could scrape), "
                    'e.g. --collector \'prometheus:{"urls": ["http://127.0.0.1:8000/metrics"]}\''
                )
            self._urls = [metrics_url(context.target)]
        headers = {"Accept": "text/plain;version=0.0.4"}
        if self.args.bearer_token is not None:
            headers["Authorization"] = f"Bearer {self.args.bearer_token.get_secret_value()}"
        self._headers = headers
        families: set[str] = set()
        for url in self._urls:
            try:
                families |= (await self._scrape(url, keep=lambda _: False)).families
            except ScrapeError as exc:
                await self.stop()
                raise RunConfigError(f"collector 'prometheus' cannot scrape {_where(url)}: {exc}") from None
        self._presets = (
            detect(families) if self.args.preset == "auto" else [] if self.args.preset == "none" else [self.args.preset]
        )
        self._wanted = frozenset(name for preset in self._presets for name in PRESETS[preset])
        self._server = await self._describe_server()

    async def _scrape(self, url: str, keep: Any) -> Snapshot:
        status, body = await self._get(url, self.args.timeout_s)
        if status != 200:
            raise ScrapeError(f"HTTP {status} from {_where(url)}{urlsplit(url).path}")
        try:
            reader = self._readers.setdefault(url, ExpositionReader())
            return reader.read(body.decode("utf-8", errors="replace"), keep)
        except (ValueError, KeyError, IndexError) as exc:
            raise ScrapeError(f"malformed exposition: {exc}") from None

    async def _get(self, url: str, timeout_s: float) -> tuple[int, bytes]:
        """``(status, body)`` of a GET: plain http over a kept connection, https through httpx."""
        if urlsplit(url).scheme == "http":
            plain = self._plain.get(url)
            if plain is None:
                plain = self._plain[url] = PlainGet(url, self._headers, MAX_EXPOSITION_BYTES)
            return await plain.get(timeout_s)
        import httpx  # only for https: the import alone costs the runner's process a noticeable moment

        if self._client is None:
            self._client = httpx.AsyncClient(headers=self._headers, follow_redirects=True)
        try:
            response = await self._client.get(url, timeout=timeout_s)
        except httpx.HTTPError as exc:
            raise ScrapeError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
        if len(response.content) > MAX_EXPOSITION_BYTES:
            raise ScrapeError(f"the exposition is larger than {MAX_EXPOSITION_BYTES // 2**20} MiB")
        return response.status_code, response.content

    async def sample(self) -> Mapping[str, float]:
        patterns = tuple(self.args.series)

        def keep(family: str) -> bool:
            return matches(family, self._wanted, patterns)

        scraped = await asyncio.gather(*(self._scrape(url, keep) for url in self._urls), return_exceptions=True)
        now = time.monotonic()
        values: dict[str, float] = {}
        failures = []
        for url, result in zip(self._urls, scraped, strict=True):
            if isinstance(result, BaseException):
                failures.append(f"{_where(url)}: {result}")
                continue
            previous = self._previous.get(url)
            if previous is not None and now - previous[0] < self.args.interval_s / 2:
                # A scrape right after another (the runner's last one, at the end of the run): too short an interval
                # for a rate to mean anything, so gauges only, and the rates keep their longer base.
                series = series_between(None, result, 0.0)
            else:
                self._previous[url] = (now, result)
                series = series_between(
                    previous[1] if previous else None, result, now - previous[0] if previous else 0.0
                )
            suffix = f"@{_where(url)}" if len(self._urls) > 1 else ""
            values.update({name + suffix: value for name, value in series.items()})
        if failures and not values:
            raise ScrapeError("; ".join(failures))
        return values

    async def _describe_server(self) -> dict[str, Any]:
        """What the server says about itself (version, models and their context length), best effort."""
        described: dict[str, Any] = {}
        base = _base(self._urls[0])
        for path, key in (("/version", "version"), ("/v1/models", "models")):
            try:
                status, body = await self._get(base + path, min(self.args.timeout_s, 2.0))
                document = json.loads(body) if status == 200 else None
            except (ScrapeError, ValueError):
                continue
            if key == "version" and isinstance(document, dict) and isinstance(document.get("version"), str):
                described["version"] = document["version"]
            elif key == "models" and isinstance(document, dict) and isinstance(document.get("data"), list):
                described["models"] = [
                    {k: model[k] for k in ("id", "max_model_len", "owned_by") if k in model}
                    for model in document["data"][:16]
                    if isinstance(model, dict)
                ]
        return described

    async def stop(self) -> None:
        for plain in self._plain.values():
            plain.close()
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
