"""Exporting a report's figures as OTLP metrics over HTTP/protobuf (``--otlp-endpoint URL``).

The same figures as the Prometheus text (:mod:`gaugellm.reports.figures`): one gauge per metric name, the labels as
attributes, times in seconds. ``URL`` is a receiver's base URL (``http://collector:4318``, where the standard path
``/v1/metrics`` is appended) or, when it has a path, the full metrics URL used as given.

The OpenTelemetry SDK is an optional extra (``gaugellm[otlp]``): this module imports nothing of it, so a run that
does not export never loads it; :func:`require_otlp` checks it is there before a run starts, and
:mod:`gaugellm.reports.otlp_sdk` does the export.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gaugellm.redaction_text import redact_text
from gaugellm.reports.errors import ReportError
from gaugellm.reports.models import RunReport

__all__ = ["INSTALL", "METRICS_PATH", "OTLP_TIMEOUT_S", "export_to_otlp", "otlp_metrics_url", "require_otlp"]

#: The longest the export may take, retries included: a receiver that does not answer must not hold a run's end.
OTLP_TIMEOUT_S = 10.0
#: The OTLP/HTTP path for metrics, appended to a URL without a path (as ``OTEL_EXPORTER_OTLP_ENDPOINT`` does).
METRICS_PATH = "/v1/metrics"
INSTALL = "pip install 'gaugellm[otlp]'"


def otlp_metrics_url(url: str) -> str:
    """The metrics URL for ``url``; a :class:`ReportError` (one line) unless it is an http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReportError("--otlp-endpoint needs an http:// or https:// URL with a host, e.g. http://127.0.0.1:4318")
    if parts.path in ("", "/"):
        return parts._replace(path=METRICS_PATH).geturl()
    return url


def require_otlp() -> None:
    """Raise a :class:`ReportError` naming the install command unless the OpenTelemetry SDK and exporter import."""
    try:
        import gaugellm.reports.otlp_sdk  # noqa: F401 - the import is the check
    except ImportError as exc:
        missing = exc.name or "opentelemetry"
        raise ReportError(f"--otlp-endpoint needs the OpenTelemetry SDK ({missing} is missing): {INSTALL}") from None


def _shown(url: str) -> str:
    """The URL as an error may show it: no user, password or query string (where tokens tend to go)."""
    parts = urlsplit(url)
    return redact_text(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="").geturl())


def _reason(error: BaseException | None) -> str:
    """The innermost cause of a failed attempt ("Connection refused", "timed out"), on one line, without the URL
    the outer exceptions repeat."""
    if error is None:
        return "no answer"
    while (inner := error.__cause__ or error.__context__) is not None:
        error = inner
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return redact_text(" ".join(text.split())) or type(error).__name__


def export_to_otlp(report: RunReport, url: str) -> str:
    """Export the report's figures to the OTLP receiver at ``url``; where they went, or a :class:`ReportError`."""
    require_otlp()
    from gaugellm.reports.figures import report_figures
    from gaugellm.reports.otlp_sdk import metrics_data, send

    endpoint = otlp_metrics_url(url)
    where = _shown(endpoint)
    data = metrics_data(report_figures(report))
    if data is None:
        raise ReportError(f"no figures were exported to {where}: the OpenTelemetry SDK is disabled (OTEL_SDK_DISABLED)")
    outcome = send(data, endpoint, OTLP_TIMEOUT_S)
    if outcome.ok:
        return where
    if outcome.status is not None:
        raise ReportError(f"the OTLP receiver at {where} refused the figures: HTTP {outcome.status}")
    raise ReportError(f"could not export the figures to {where}: {_reason(outcome.error)}")
