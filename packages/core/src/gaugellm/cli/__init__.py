"""The ``gaugellm`` command line (click + rich)."""
