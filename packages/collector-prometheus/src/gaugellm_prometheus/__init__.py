"""gaugellm's ``prometheus`` collector: a server's ``/metrics`` sampled beside the load."""

from gaugellm_prometheus.args import PrometheusCollectorArgs

__all__ = ["PrometheusCollectorArgs"]
