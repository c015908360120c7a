"""gaugellm backend for OpenAI-compatible HTTP servers."""

__version__ = "1.0.0"
