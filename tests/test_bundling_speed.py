"""Speed figures for the speech card (desktop_app/training/bundling/speed.py): reading benchmarks/asr_speed.py's
printout, the lines a card shows, and rewriting a bundled card's Speed section."""

import pytest

from desktop_app.training.bundling import speed

PRINTOUT = """model models/asr-en: loaded in 45 ms
40 utterances, 79.0 s of audio; cpu: Intel(R) Xeon(R) Processor, 2 cores
1 thread:
float32  real-time factor 0.211
float32  finals in line       partial lag      median    56 ms   p90   107 ms   max   112 ms   (38 partials)
float32  finals in background partial lag      median    65 ms   p90   108 ms   max   124 ms   (50 partials)
int8     real-time factor 0.086
peak resident memory 652 MB"""


def test_the_real_time_factor_of_each_precision_is_read_from_the_printout():
    assert speed.real_time_factor(PRINTOUT, "float32") == 0.211
    assert speed.real_time_factor(PRINTOUT, "int8") == 0.086
    with pytest.raises(ValueError, match="no bfloat16 real-time factor"):
        speed.real_time_factor(PRINTOUT, "bfloat16")


def test_the_card_shows_load_time_speed_the_apps_latencies_and_memory_only():
    assert speed.speed_summary(PRINTOUT).splitlines() == [
        "model models/asr-en: loaded in 45 ms",
        "float32  real-time factor 0.211",
        "float32  finals in background partial lag      median    65 ms   p90   108 ms   max   124 ms   (50 partials)",
        "int8     real-time factor 0.086",
        "peak resident memory 652 MB",
    ]


def test_measuring_the_speed_again_rewrites_only_the_cards_speed_section():
    card = (
        "# asr-en\n\n## Test scores\n\n| a | 10.1 |\n\n## Speed\n\n    python benchmarks/asr_speed.py --old\n\n"
        "```\nint8     real-time factor 0.122\n```\n\n## Training data\n\nA synthetic corpus.\n"
    )
    new = speed.with_speed_measured_again(
        card,
        ("int8     real-time factor 0.118", "python benchmarks/asr_speed.py"),
        "finals are decoded in the background.",
    )
    assert new.startswith("# asr-en\n\n## Test scores\n\n| a | 10.1 |\n\n## Speed\n\nMeasured again")
    assert "finals are decoded in the background." in new and "0.118" in new
    assert "0.122" not in new and "--old" not in new
    assert new.endswith("## Training data\n\nA synthetic corpus.\n")
    with pytest.raises(ValueError, match="Speed"):
        speed.with_speed_measured_again("# a card without one\n", ("x", "y"), "why")


def test_measuring_the_speed_again_rewrites_the_bundled_card_in_place(tmp_path, monkeypatch, capsys):
    card = tmp_path / "models" / "asr-en" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("# asr-en\n\n## Speed\n\nold\n\n## Training data\n\nA corpus.\n", encoding="utf-8")
    measured = []
    monkeypatch.setattr(speed, "ROOT", tmp_path)
    monkeypatch.setattr(speed, "measure", lambda model, corpus: measured.append((model, corpus)) or (PRINTOUT, "cmd"))
    speed.measure_speed_again(tmp_path / "models" / "asr-en", tmp_path / "speech", "a new streaming path.")
    assert measured == [(tmp_path / "models" / "asr-en", tmp_path / "speech")]
    text = card.read_text(encoding="utf-8")
    assert "Measured again after the weights were bundled: a new streaming path." in text and "old" not in text
    assert "finals in line" not in text and text.endswith("## Training data\n\nA corpus.\n")
    assert capsys.readouterr().out.endswith(f"rewrote the Speed section of {card}\n")
