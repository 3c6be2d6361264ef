"""The version of scrubber, in one place (the package root, the table cache and the CLI read it)."""

__version__ = "0.1.0"
