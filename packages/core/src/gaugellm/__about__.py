"""The version of the core, and so of the plugin API: plugins require ``gaugellm>=MAJOR,<MAJOR+1``."""

__version__ = "1.0.0"
