"""The PySide6 desktop app. Widgets and workers live here; tensor math stays in seq2seq."""
