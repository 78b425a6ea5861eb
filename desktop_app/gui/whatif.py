"""Undo for what-ifs: each entry is a sentence as it was before it was translated again."""

from __future__ import annotations

from dataclasses import dataclass

from .explanation import SentenceResult


@dataclass(frozen=True)
class Before:
    index: int  # the sentence's index in the translation
    result: SentenceResult  # the sentence as it was (a what-if replaces the object, never changes it)
    row: int  # the output row that was selected, to select again


class WhatIfHistory:
    def __init__(self) -> None:
        self._entries: list[Before] = []

    def push(self, index: int, result: SentenceResult, row: int) -> None:
        self._entries.append(Before(index, result, row))

    def pop(self) -> Before | None:
        return self._entries.pop() if self._entries else None

    def discard_last(self) -> None:
        """The what-if just pushed did not happen (it failed or was stopped)."""
        if self._entries:
            self._entries.pop()

    def clear(self) -> None:
        """A new translation: the old one's sentences cannot come back."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
