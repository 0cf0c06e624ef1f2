"""Scholar Graph: a metadata API for researchers and their papers."""

__version__ = "0.1.0"
