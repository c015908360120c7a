"""The report's figures as Prometheus exposition text (``-o run.prom``), for dashboards people already have.

One gauge per figure of :mod:`gaugellm.reports.figures` (the OTLP export shows the same ones), labelled with the
benchmark (and the profile kind), times in seconds as Prometheus names them; statistics of a distribution are a
``statistic`` label (``mean``, ``p50`` ... ``max``). The text follows the classic
text format (0.0.4) and ends with OpenMetrics' ``# EOF``, which the classic parsers read as a comment: the same file
can go to a node exporter's textfile folder, a Pushgateway (``--push-gateway``) or an OpenMetrics reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from gaugellm.reports.figures import Figure, report_figures
from gaugellm.reports.models import RunReport

__all__ = ["CONTENT_TYPE", "render_openmetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}" if labels else ""


def _number(value: float) -> str:
    return (
        repr(float(value))
        if math.isfinite(value)
        else ("NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf"))
    )


def _families(figures: Iterable[Figure]) -> dict[str, tuple[str, list[Figure]]]:
    """Figures grouped by metric name, in first-seen order, so each family is written once with its HELP and TYPE."""
    families: dict[str, tuple[str, list[Figure]]] = {}
    for figure in figures:
        families.setdefault(figure.name, (figure.help, []))[1].append(figure)
    return families


def _lines(figures: Iterable[Figure]) -> Iterator[str]:
    for name, (help_text, samples) in _families(figures).items():
        yield f"# HELP {name} {help_text}"
        yield f"# TYPE {name} gauge"
        for sample in samples:
            yield f"{name}{_labels(sample.labels)} {_number(sample.value)}"


def render_openmetrics(report: RunReport) -> str:
    """The report as exposition text."""
    return "\n".join([*_lines(report_figures(report)), "# EOF", ""])
