"""Pushing a report's figures to a Prometheus Pushgateway (``--push-gateway URL``).

One HTTP ``PUT`` of :func:`~gaugellm.reports.openmetrics_format.render_openmetrics` to
``URL/metrics/job/gaugellm``, which replaces what the job pushed before (a dashboard shows the latest run). Standard
library only: one request at the end of a run does not justify an HTTP client in the core.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from gaugellm.reports.errors import ReportError
from gaugellm.reports.models import RunReport
from gaugellm.reports.openmetrics_format import CONTENT_TYPE, render_openmetrics

__all__ = ["check_gateway_url", "push_to_gateway"]

#: The longest the push may take: a gateway that does not answer must not hold the end of a run.
PUSH_TIMEOUT_S = 10.0


def check_gateway_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; a :class:`ReportError` (one line) otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReportError("--push-gateway needs an http:// or https:// URL with a host, e.g. http://127.0.0.1:9091")
    return url


def push_to_gateway(report: RunReport, url: str, job: str = "gaugellm") -> str:
    """PUT the report's figures to the gateway at ``url``; returns where they went, or raises :class:`ReportError`."""
    target = check_gateway_url(url).rstrip("/") + f"/metrics/job/{quote(job, safe='')}"
    request = urllib.request.Request(  # noqa: S310 - the scheme was checked above
        target, data=render_openmetrics(report).encode(), method="PUT", headers={"Content-Type": CONTENT_TYPE}
    )
    where = urlsplit(target)._replace(netloc=urlsplit(target).netloc.rpartition("@")[2]).geturl()
    try:
        with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT_S) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        raise ReportError(f"the Pushgateway at {where} refused the figures: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReportError(f"could not push the figures to {where}: {reason}") from None
    return where
