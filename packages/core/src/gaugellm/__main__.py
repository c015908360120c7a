"""``python -m gaugellm`` is the same as the ``gaugellm`` command."""

from gaugellm.cli.main import main

if __name__ == "__main__":
    main()
