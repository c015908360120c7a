"""gaugellm's ``prometheus`` collector: a server's ``/metrics`` sampled beside the load."""

from gaugellm_prometheus.args import PrometheusCollectorArgs

__version__ = "1.0.0"

__all__ = ["PrometheusCollectorArgs", "__version__"]
