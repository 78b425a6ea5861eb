"""The app's log file: an unexpected failure's traceback is written where the window says it is."""

import logging

from desktop_app.gui.app_log import LOG_NAME, start_logging, stop_logging


def test_a_logged_traceback_lands_in_the_log_file(tmp_path):
    path = start_logging(tmp_path / "data")
    try:
        try:
            raise ValueError("the model's weights are odd")
        except ValueError as error:
            logging.getLogger("desktop_app.gui.translate_worker").error("translation failed", exc_info=error)
    finally:
        stop_logging()
    assert path == tmp_path / "data" / LOG_NAME
    text = path.read_text(encoding="utf-8")
    assert "translation failed" in text and "ValueError: the model's weights are odd" in text
    assert "Traceback" in text


def test_an_unwritable_folder_does_not_stop_the_app(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert start_logging(blocker / "data") is None
    stop_logging()
