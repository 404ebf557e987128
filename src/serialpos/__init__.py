"""serialpos: a terminal console for serialized retail inventory."""

__version__ = "0.1.0"
