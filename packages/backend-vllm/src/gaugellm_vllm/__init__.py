"""gaugellm backend that runs a vLLM engine in-process."""

__version__ = "1.0.0"
