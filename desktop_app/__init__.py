"""Attend: translate and dictate with seq2seq models, and see where they attend."""

__version__ = "0.1.0"
