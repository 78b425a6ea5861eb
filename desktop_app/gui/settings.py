"""Remembered choices, wrapped around QSettings with one key list."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from PySide6.QtCore import QSettings


class Key(StrEnum):
    GEOMETRY = "window/geometry"
    WINDOW_STATE = "window/state"
    TAB = "window/tab"
    TRANSLATE_MODEL = "translate/model"
    TRANSLATE_BEAM = "translate/beam"
    TRANSLATE_AS_YOU_TYPE = "translate/as_you_type"
    TRANSLATE_VIEW = "translate/view"
    DICTATE_SPEED = "dictate/speed"
    DICTATE_MODEL = "dictate/model"  # set only when the user picks a speech model (else the default is offered)
    DICTATE_LANGUAGE = "dictate/language"  # a multilingual model's spoken language; "" = detect it
    DICTATE_TASK = "dictate/task"  # "transcribe" or "translate" (into English)
    EXTRA_MODEL_FOLDERS = "models/extra_folders"
    LAST_DIRECTORY = "files/last_directory"


class Settings:
    def __init__(self, settings: QSettings | None = None):
        self._settings = settings or QSettings("Attend", "Attend")

    def get(self, key: Key, default: Any = None, kind: type | None = None) -> Any:
        if kind is None:
            return self._settings.value(key.value, default)
        value = self._settings.value(key.value, default, type=kind)
        return default if value is None else value

    def set(self, key: Key, value: Any) -> None:
        self._settings.setValue(key.value, value)

    def get_list(self, key: Key) -> list[str]:
        value = self._settings.value(key.value, [])
        if isinstance(value, str):
            return [value] if value else []
        return list(value or [])

    def sync(self) -> None:
        self._settings.sync()
