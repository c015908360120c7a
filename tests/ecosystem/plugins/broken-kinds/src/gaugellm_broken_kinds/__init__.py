"""A third-party gaugellm plugin used by the ecosystem tests."""
