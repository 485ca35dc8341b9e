"""What the French model found, kept by the texts' content: read once, then served without
the model; read again when anything it depends on changes; never a word on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from civeval.workbench import readings


@pytest.fixture
def kept(tmp_path, monkeypatch):
    folder = tmp_path / "readings"
    monkeypatch.setenv(readings.VARIABLE, str(folder))
    return folder


class Reader:
    """A reading that counts how often it was made: one offset per text, its length."""

    def __init__(self):
        self.calls = 0

    def __call__(self, texts):
        self.calls += 1
        return [[0, len(text)] for text in texts]


MODEL = "fr_core_news_sm"


def test_a_reading_is_made_once_for_the_same_texts_and_again_for_others(kept):
    read = Reader()

    first = readings.remembered("spans", ["Bonjour", "à tous"], MODEL, read)
    again = readings.remembered("spans", ["Bonjour", "à tous"], MODEL, read)

    assert first == again == [[0, 7], [0, 6]] and read.calls == 1
    assert len(list(kept.iterdir())) == 1
    # Other texts (the same characters cut otherwise, too), another kind of reading.
    readings.remembered("spans", ["Bonjourà", " tous"], MODEL, read)
    readings.remembered("other", ["Bonjour", "à tous"], MODEL, read)
    assert read.calls == 3


def test_a_damaged_entry_is_read_again_and_a_folder_that_cannot_be_written_costs_nothing(
        kept, tmp_path, monkeypatch):
    read = Reader()
    readings.remembered("spans", ["Bonjour"], MODEL, read)
    [entry] = kept.iterdir()
    entry.write_text("{tronqué", encoding="utf-8")

    assert readings.remembered("spans", ["Bonjour"], MODEL, read) == [[0, 7]]
    assert read.calls == 2 and json.loads(entry.read_text(encoding="utf-8")) == [[0, 7]]

    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv(readings.VARIABLE, str(blocked / "readings"))
    assert readings.remembered("spans", ["Bonjour"], MODEL, read) == [[0, 7]]
    monkeypatch.delenv(readings.VARIABLE)
    assert readings.remembered("spans", ["Bonjour"], MODEL, read) == [[0, 7]]
    assert read.calls == 4


PSEUDONYMISE = """\
import json, sys
if sys.argv[1] == "without-model":
    sys.modules["spacy"] = None  # any import of spaCy now fails
from civeval.privacy import pseudonymise_texts
texts = json.loads(sys.argv[2])
print(json.dumps(pseudonymise_texts(texts, people=["Jean Petit"])))
"""

TEXTS = ["Karim est venu à la réunion avec sa voisine.",
         "Le petit parc est fermé, écrivez à jean.petit@example.fr",
         "M. Petit ne répond plus au 06 12 34 56 78."]


def pseudonymise(folder, texts, mode="with-model"):
    return subprocess.run(
        [sys.executable, "-c", PSEUDONYMISE, mode, json.dumps(texts)], capture_output=True,
        text=True, env={**os.environ, readings.VARIABLE: str(folder)}, timeout=120)


def test_texts_shown_again_need_no_model_and_nothing_they_say_is_kept(kept):
    read = pseudonymise(kept, TEXTS)
    assert read.returncode == 0, read.stderr
    shown = json.loads(read.stdout)
    assert shown == ["[personne] est venu à la réunion avec sa voisine.",
                     "Le petit parc est fermé, écrivez à [courriel]",
                     "[personne] ne répond plus au [téléphone]."]

    again = pseudonymise(kept, TEXTS, "without-model")

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == shown
    # Offsets only: no word of the texts is on disk.
    for entry in kept.iterdir():
        assert set(entry.read_text(encoding="utf-8")) <= set("[],0123456789")
    # A text changed: read again, which needs the model.
    changed = pseudonymise(kept, [*TEXTS[:2], "Karim a rappelé."], "without-model")
    assert changed.returncode != 0 and "spacy" in changed.stderr


def test_what_no_run_used_for_thirty_days_is_forgotten(kept):
    read = Reader()
    readings.remembered("spans", ["vieux"], MODEL, read)
    readings.remembered("spans", ["servi"], MODEL, read)
    month_ago = time.time() - (readings.KEPT_DAYS + 1) * 86400
    for entry in kept.iterdir():
        os.utime(entry, (month_ago, month_ago))
    readings.remembered("spans", ["servi"], MODEL, read)  # used again today

    assert readings.forget_unused(kept) == 1
    assert read.calls == 2
    readings.remembered("spans", ["servi"], MODEL, read)
    readings.remembered("spans", ["vieux"], MODEL, read)
    assert read.calls == 3  # only the forgotten one read again


def test_model_calls_made_for_a_kept_reading_do_not_count_as_needing_the_model(
        kept, tmp_path, monkeypatch):
    import functools
    import types

    from civeval.workbench import workers

    probe = types.ModuleType("probe_model")
    probe.load = functools.cache(lambda: "modèle")
    monkeypatch.setitem(sys.modules, "probe_model", probe)
    target = "probe_model:load"

    def read(texts):
        probe.load()
        return [[0, len(text)] for text in texts]

    before = workers.times_called(target)
    readings.remembered("spans", ["Bonjour"], MODEL, read)  # read with the model, kept
    assert workers.times_called(target) == before
    probe.load()  # another use of the model: it counts
    assert workers.times_called(target) == before + 1
    # Not kept (the folder cannot be written): the next run needs the model again.
    blocked = tmp_path / "fichier"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv(readings.VARIABLE, str(blocked / "readings"))
    readings.remembered("spans", ["Au revoir"], MODEL, read)
    assert workers.times_called(target) == before + 2
