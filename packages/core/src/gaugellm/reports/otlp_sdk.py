"""The OpenTelemetry side of ``--otlp-endpoint``: figures into the SDK's metrics, and one export over HTTP/protobuf.

Imports the OpenTelemetry SDK and its HTTP exporter at module level, so only :mod:`gaugellm.reports.otlp` imports
this module, and only when an export was asked for (the extra ``gaugellm[otlp]``).

The figures go through a ``MeterProvider`` (synchronous gauges, one per metric name, a data point per label set)
read by an ``InMemoryMetricReader``: the SDK builds the resource, scope and data points, and the reader hands back
exactly one collection. That collection is then given to the exporter directly rather than through a
``PeriodicExportingMetricReader``, because that reader drops the exporter's verdict (its ``force_flush`` reports
success even when the receiver refused), and a run must know whether its figures arrived.

The exporter reports only success or failure; what went wrong (the HTTP status, the refused connection) is
recorded by the ``requests`` session we give it, a public argument of the exporter, which sees every attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricExportResult, MetricsData
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource

from gaugellm import __version__
from gaugellm.reports.figures import Figure

__all__ = ["Outcome", "metrics_data", "send"]


@dataclass(frozen=True)
class Outcome:
    """How the export went: ``ok``, else the receiver's last HTTP status or the error of the last attempt."""

    ok: bool
    status: int | None = None
    error: BaseException | None = None


class _RecordingSession(requests.Session):
    """A ``requests`` session that remembers the last answer or error, which the exporter does not hand back."""

    def __init__(self) -> None:
        super().__init__()
        self.status: int | None = None
        self.error: BaseException | None = None

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            response = super().request(*args, **kwargs)
        except requests.RequestException as exc:
            self.status, self.error = None, exc
            raise
        self.status, self.error = response.status_code, None
        return response


def _record(meter: Meter, figures: Iterable[Figure]) -> None:
    gauges: dict[str, Any] = {}
    for figure in figures:
        gauge = gauges.get(figure.name)
        if gauge is None:
            gauge = gauges[figure.name] = meter.create_gauge(figure.name, unit=figure.unit, description=figure.help)
        gauge.set(figure.value, attributes=figure.labels)


def metrics_data(figures: Iterable[Figure]) -> MetricsData | None:
    """The figures as one SDK collection (``None`` when the SDK is switched off, e.g. ``OTEL_SDK_DISABLED``)."""
    reader = InMemoryMetricReader()
    resource = Resource.create({SERVICE_NAME: "gaugellm", SERVICE_VERSION: __version__})
    provider = MeterProvider(resource=resource, metric_readers=[reader], shutdown_on_exit=False)
    try:
        _record(provider.get_meter("gaugellm", __version__), figures)
        return reader.get_metrics_data()
    finally:
        provider.shutdown()


@contextmanager
def _quiet_sdk_logs() -> Iterator[None]:
    """The exporter logs its failures; ours is one line of our own, so its log records go nowhere meanwhile."""
    logger = logging.getLogger("opentelemetry")
    handler = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)


def send(data: MetricsData, endpoint: str, timeout_s: float) -> Outcome:
    """POST the collection to ``endpoint`` (a full ``.../v1/metrics`` URL) within ``timeout_s``, retries included.

    Headers come from ``OTEL_EXPORTER_OTLP_METRICS_HEADERS`` / ``OTEL_EXPORTER_OTLP_HEADERS``, read by the
    exporter; they are never part of an :class:`Outcome`.
    """
    session = _RecordingSession()
    exporter = OTLPMetricExporter(endpoint=endpoint, timeout=timeout_s, session=session)
    with _quiet_sdk_logs():
        try:
            result = exporter.export(data, timeout_millis=timeout_s * 1000)
        except requests.RequestException:
            result = MetricExportResult.FAILURE  # older exporters let a second refused connection through
        finally:
            exporter.shutdown()
    if result is MetricExportResult.SUCCESS:
        return Outcome(ok=True, status=session.status)
    return Outcome(ok=False, status=session.status, error=session.error)
