"""The collector contract (what is sampled beside the load) and the built-in ``client`` collector."""

from gaugellm.collector.args import CollectorArgs, CollectorArgsError
from gaugellm.collector.base import Collector, CollectorContext

__all__ = ["Collector", "CollectorArgs", "CollectorArgsError", "CollectorContext"]
