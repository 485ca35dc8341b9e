"""The evidence file: records added one at a time come back whole, grouped by section."""

import json

from civeval.evidence.record import Evidence, Position, Trend
from civeval.evidence.store import EVIDENCE_FILE, add, read, write


def test_records_added_one_at_a_time_are_kept_whole_and_grouped_by_section(tmp_path):
    records = [
        Evidence("turnout_rate", 0.123, "percent", "Participation",
                 section="30_participation", editions=("2023", "2024"),
                 trend=Trend("2023", "2024", -0.279, "Poisson", 0.0004, True,
                             excluded=("2022",), breaks=("vote en ligne",))),
        Evidence("answers", 412, "number", "Réponses", section="10_questionnaire",
                 caveats=("échantillon non aléatoire",)),
        Evidence("projects", 35, "number", "Projets", section="30_participation",
                 position=Position(peers=4, min_peers=5, median=30.0, scope="communes",
                                   section="40_parangonnage")),
        Evidence("note", "aucune", "text", "Note"),
        Evidence("answers", 413, "number", "Réponses", section="10_questionnaire"),  # again
    ]
    for record in records:
        add(tmp_path, record)

    kept = read(tmp_path)
    assert list(kept) == ["note", "answers", "turnout_rate", "projects"]
    assert kept["answers"].value == 413 and kept["answers"].caveats == ()
    assert kept["turnout_rate"].trend == records[0].trend
    assert kept["turnout_rate"].value == 0.123 and kept["turnout_rate"].editions == ("2023", "2024")
    assert kept["projects"].position == records[2].position
    # Written from the records as parsed, the file is the same, byte for byte.
    added = (tmp_path / EVIDENCE_FILE).read_text(encoding="utf-8")
    write(tmp_path, kept)
    assert (tmp_path / EVIDENCE_FILE).read_text(encoding="utf-8") == added
    assert json.loads(added)["turnout_rate"]["trend"]["excluded"] == ["2022"]
