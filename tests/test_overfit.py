"""A tiny model of each architecture learns 20 sentence pairs to exact reproduction."""

from desktop_app.seq2seq import Translator

from .conftest import SOURCES, TARGETS


def test_tiny_model_reproduces_its_training_pairs(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    assert [translator.translate(s).text for s in SOURCES] == TARGETS
