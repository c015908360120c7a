"""gaugellm's ``ray`` executor: workers as Ray actors spread over a cluster's nodes, on the runner's timeline.

Importing this package does not import Ray: the args class is what ``plugins show`` reads, and listing plugins
must stay cheap. Ray is imported when an executor starts.
"""

from gaugellm_ray.args import RayExecutorArgs

__version__ = "1.0.0"

__all__ = ["RayExecutorArgs", "__version__"]
