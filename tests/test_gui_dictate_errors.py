"""An unexpected transcription failure is told in plain words; its traceback goes to the log."""

import logging

from desktop_app.gui.dictate_worker import _describe


def test_an_unexpected_failure_names_no_exception_type_and_logs_the_traceback(caplog):
    try:
        raise RuntimeError("the decoder ran out of memory\nsecond line")
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR, logger="desktop_app.gui.dictate_worker"):
            message = _describe(error)
    assert message == (
        "Transcription failed unexpectedly: the decoder ran out of memory. "
        "Try another model or file; the details are in the log."
    )
    assert "RuntimeError" not in message and "\n" not in message
    assert caplog.records and caplog.records[0].exc_info is not None
