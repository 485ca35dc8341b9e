"""Likert distributions: weighted shares, segments with empty levels, the chart."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from civeval.survey.likert import likert_chart, likert_table

LEVELS = ["Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
          "Pas du tout d'accord"]


def test_weighted_shares_and_net_agreement():
    answers = pd.DataFrame({"q": [LEVELS[0], LEVELS[1], LEVELS[3], "NSP"],
                            "w": [1.0, 3.0, 2.0, 4.0]})
    table = likert_table(answers, ["q"], LEVELS, weight="w", dont_know=["NSP"])
    shares = dict(zip(table["level"], table["percent"], strict=True))
    assert shares[LEVELS[0]] == pytest.approx(1 / 6) and shares[LEVELS[1]] == pytest.approx(0.5)
    assert shares[LEVELS[2]] == 0 and shares[LEVELS[3]] == pytest.approx(2 / 6)
    assert shares["NSP"] == pytest.approx(0.4)  # share of all answers, scale or not
    assert table["net_agreement"].iloc[0] == pytest.approx(4 / 6 - 2 / 6)


def test_a_segment_where_a_level_is_empty_keeps_every_level():
    answers = pd.DataFrame({
        "q": [LEVELS[0], LEVELS[0], LEVELS[3], LEVELS[1], LEVELS[1]],
        "sexe": pd.Categorical(["F", "F", "F", "H", "H"], categories=["F", "H", "X"])})
    table = likert_table(answers, ["q"], LEVELS, by="sexe")
    men = table[table["sexe"] == "H"].set_index("level")
    assert men["percent"].to_dict() == {LEVELS[0]: 0.0, LEVELS[1]: 1.0, LEVELS[2]: 0.0,
                                        LEVELS[3]: 0.0}
    women = table[table["sexe"] == "F"].set_index("level")
    assert women.loc[LEVELS[0], "percent"] == pytest.approx(2 / 3)
    assert table[table["sexe"] == "X"]["n"].sum() == 0  # a declared, empty segment
    figure = likert_chart(table[table["sexe"] != "X"], LEVELS, by="sexe")
    ticks = sorted(figure.axes[0].get_yticklabels(), key=lambda label: -label.get_position()[1])
    assert [label.get_text() for label in ticks] == ["q — F", "q — H"]  # top to bottom
    plt.close(figure)


def test_items_are_sorted_by_net_agreement():
    answers = pd.DataFrame({"a": [LEVELS[3], LEVELS[2]], "b": [LEVELS[0], LEVELS[1]]})
    table = likert_table(answers, ["a", "b"], LEVELS)
    assert list(dict.fromkeys(table["item"])) == ["b", "a"]


def test_answers_outside_the_levels_are_refused():
    with pytest.raises(ValueError, match="item 'q' has answers outside the levels: Peut-être"):
        likert_table(pd.DataFrame({"q": ["Peut-être"]}), ["q"], LEVELS)
