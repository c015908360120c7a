"""A third-party gaugellm backend used by the ecosystem tests."""
