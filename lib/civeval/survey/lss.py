"""The LimeSurvey survey structure file (``.lss``) as a codebook.

LimeSurvey's « Display/Export → Survey structure (.lss) » writes an XML document holding
every question with its code, type and wording, its sub-questions and its answer options.
:func:`read_lss` turns it into a :class:`~civeval.survey.codebook.Codebook`, so that a
consultant writes no codebook by hand, and into the list of the response export's columns
with their full-text headings, by which an export headed by question texts is read.

Both layouts are read: LimeSurvey 3 (texts inside the ``questions``, ``subquestions`` and
``answers`` rows, one row per language) and LimeSurvey 4 and later (texts in
``question_l10ns`` and ``answer_l10ns``).

Question types become codebook types this way (LimeSurvey's type letters):

=====================================  ===========================================
list (``L``, ``!``, ``O``), gender      ``single``; answer codes kept as ``codes``
(``G``), yes/no (``Y``), ranking
(``R``), array yes/no/uncertain (``C``)
5-point choice (``5``), arrays          ``likert``, levels in the survey's order
(``F``, ``H``, ``A``, ``B``, ``E``),
dual-scale array (``1``)
multiple choice (``M``, ``P``)          ``multiple``, one column per option
numerical (``N``, ``K``), array of      ``numeric``
numbers (``:``)
texts, dates, equations                 ``text``
=====================================  ===========================================

A dual-scale array gives one question per scale and sub-question (``Q1[SQ001][1]``), since
its two scales have their own answers. File uploads are declared personal data
(:attr:`Codebook.personal`); text displays (``X``) have no column.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from civeval.errors import SurveyError
from civeval.qual.refiqda import parse_xml
from civeval.survey.codebook import Codebook, Question

__all__ = ["LimeSurveyStructure", "read_lss"]

# Texts LimeSurvey writes itself, in the languages of the exports we read.
_FIXED_LABELS = {
    "yes": {"fr": "Oui", "en": "Yes", "de": "Ja"},
    "no": {"fr": "Non", "en": "No", "de": "Nein"},
    "uncertain": {"fr": "Incertain", "en": "Uncertain", "de": "Unsicher"},
    "female": {"fr": "Féminin", "en": "Female", "de": "Weiblich"},
    "male": {"fr": "Masculin", "en": "Male", "de": "Männlich"},
    "increase": {"fr": "Augmenter", "en": "Increase", "de": "Mehr"},
    "same": {"fr": "Sans changement", "en": "Same", "de": "Gleich"},
    "decrease": {"fr": "Diminuer", "en": "Decrease", "de": "Weniger"},
    "other": {"fr": "Autre", "en": "Other", "de": "Sonstiges"},
    "comment": {"fr": "Commentaire", "en": "Comment", "de": "Kommentar"},
}
_FIXED_ANSWERS = {"Y": [("Y", "yes"), ("N", "no")], "G": [("F", "female"), ("M", "male")],
                  "C": [("Y", "yes"), ("U", "uncertain"), ("N", "no")],
                  "E": [("I", "increase"), ("S", "same"), ("D", "decrease")]}
_SINGLE = set("L!OGYRC")
_LIKERT = set("5FHABE1")
_MULTIPLE = set("MP")
_NUMERIC = set("NK:")
_NO_COLUMN = set("X")
_UPLOAD = "|"


@dataclass(frozen=True)
class LimeSurveyStructure:
    """A survey's structure: its codebook and its response columns.

    Attributes
    ----------
    codebook : Codebook
    columns : tuple of (str, str)
        Each response column of the survey's questions, in the order LimeSurvey exports
        them: its tidy name (``Q1[SQ001]``, as :func:`civeval.survey.io.read_survey` names
        the columns of a code-headed export) and its full-text heading (« Question
        [Sub-question] »).
    language : str
        The language whose texts were read.
    """

    codebook: Codebook
    columns: tuple[tuple[str, str], ...]
    language: str


def read_lss(path: str | Path, language: str | None = None) -> LimeSurveyStructure:
    """Read a LimeSurvey structure file (``.lss``).

    Parameters
    ----------
    path : path
    language : str, optional
        The language whose wording to read (``fr``); the survey's base language by default.

    Raises
    ------
    SurveyError
        Naming the file, and the line where it applies: not a LimeSurvey survey, XML not
        well-formed, a language the survey lacks, a question without wording.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "enquete.lss"
    >>> _ = path.write_text('''<document><LimeSurveyDocType>Survey</LimeSurveyDocType>
    ... <languages><language>fr</language></languages>
    ... <questions><rows><row><qid>1</qid><parent_qid>0</parent_qid><gid>1</gid>
    ...   <type>L</type><title>Q1</title><other>N</other><question_order>1</question_order>
    ... </row></rows></questions>
    ... <question_l10ns><rows><row><qid>1</qid><question>&lt;p&gt;Votre mode ?&lt;/p&gt;</question>
    ...   <language>fr</language></row></rows></question_l10ns>
    ... <answers><rows><row><aid>1</aid><qid>1</qid><code>A1</code><sortorder>1</sortorder>
    ...   <scale_id>0</scale_id></row><row><aid>2</aid><qid>1</qid><code>A2</code>
    ...   <sortorder>2</sortorder><scale_id>0</scale_id></row></rows></answers>
    ... <answer_l10ns><rows><row><aid>1</aid><answer>Bus</answer><language>fr</language></row>
    ...   <row><aid>2</aid><answer>Vélo</answer><language>fr</language></row></rows>
    ... </answer_l10ns></document>''', encoding="utf-8")
    >>> structure = read_lss(path)
    >>> question = structure.codebook["Q1"]
    >>> question.type, question.label, question.levels, question.codes
    ('single', 'Votre mode ?', ('Bus', 'Vélo'), ('A1', 'A2'))
    >>> structure.columns
    (('Q1', 'Votre mode ?'),)
    """
    path = Path(path)
    if not path.is_file():
        raise SurveyError("survey structure file not found", file=path)
    root, lines = parse_xml(path.read_bytes(), path, None)
    kind = root.findtext("LimeSurveyDocType")
    if root.tag != "document" or kind != "Survey":
        raise SurveyError("not a LimeSurvey survey structure (.lss): export it from LimeSurvey "
                          "with Display/Export → Survey structure (.lss)", file=path, row=1)
    available = [item.text.strip() for item in root.findall("languages/language")
                 if item.text and item.text.strip()]
    language = language or (available[0] if available else "en")
    if available and language not in available:
        raise SurveyError(f"the survey has no language {language!r}; its languages: "
                          f"{', '.join(available)}", file=path)
    return _Reader(root, lines, path, language).structure()


def _rows(root, section: str) -> list[tuple[dict[str, str], object]]:
    """The rows of a section, each as field → text, with its element (for its line)."""
    return [({child.tag: (child.text or "").strip() for child in row}, row)
            for row in root.findall(f"{section}/rows/row")]


def plain_text(markup: str) -> str:
    """A question's wording without HTML tags, entities or repeated spaces.

    Examples
    --------
    >>> plain_text("<p><strong>Votre</strong>&nbsp;avis ?</p>\\n")
    'Votre avis ?'
    """
    text = re.sub(r"<[^>]*>", " ", markup or "")
    return " ".join(html.unescape(text).split())


class _Reader:
    """One pass over the document: texts by language, then questions in survey order."""

    def __init__(self, root, lines, path: Path, language: str):
        self.path, self.language, self.lines = path, language, lines
        in_language = self._in_language
        self.groups = {row["gid"]: int(row.get("group_order") or 0)
                       for row, _ in _rows(root, "groups")}
        self.questions = [(row, element) for row, element in _rows(root, "questions")
                          if row.get("parent_qid", "0") == "0" and in_language(row)]
        self.subquestions = [row for row, _ in _rows(root, "subquestions") if in_language(row)]
        self.answers = [row for row, _ in _rows(root, "answers") if in_language(row)]
        # LimeSurvey 4+: texts apart, by question id and by answer id.
        self.question_texts = {row["qid"]: row.get("question", "")
                               for row, _ in _rows(root, "question_l10ns")
                               if row.get("language") == language}
        self.answer_texts = {row["aid"]: row.get("answer", "")
                             for row, _ in _rows(root, "answer_l10ns")
                             if row.get("language") == language}
        self.attributes = {}
        for row, _ in _rows(root, "question_attributes"):
            if row.get("language") in (None, "", language):
                self.attributes[(row.get("qid"), row.get("attribute"))] = row.get("value", "")

    def _in_language(self, row: dict) -> bool:
        return "language" not in row or row["language"] in ("", self.language)

    def text(self, row: dict) -> str:
        return plain_text(row.get("question") or self.question_texts.get(row["qid"], ""))

    def label(self, key: str) -> str:
        labels = _FIXED_LABELS[key]
        return labels.get(self.language.split("-")[0], labels["en"])

    def options(self, qid: str, scale: int = 0) -> list[tuple[str, str]]:
        """(code, label) of a question's answer options on one scale, in survey order."""
        rows = [row for row in self.answers
                if row["qid"] == qid and int(row.get("scale_id") or 0) == scale]
        rows.sort(key=lambda row: int(row.get("sortorder") or 0))
        return [(row["code"], plain_text(row.get("answer") or
                                         self.answer_texts.get(row.get("aid", ""), "")))
                for row in rows]

    def subs(self, qid: str, scale: int = 0) -> list[tuple[str, str]]:
        rows = [row for row in self.subquestions
                if row.get("parent_qid") == qid and int(row.get("scale_id") or 0) == scale]
        rows.sort(key=lambda row: int(row.get("question_order") or 0))
        return [(row["title"], self.text(row)) for row in rows]

    def structure(self) -> LimeSurveyStructure:
        ordered = sorted(self.questions, key=lambda item: (
            self.groups.get(item[0].get("gid"), 0), int(item[0].get("question_order") or 0)))
        questions, columns, personal = [], [], {}
        for row, element in ordered:
            kind, code = row.get("type", ""), row.get("title", "")
            if not code:
                raise SurveyError("a question has no code (title)", file=self.path,
                                  row=self.lines.get(element))
            if kind in _NO_COLUMN:
                continue
            found, cols = self.question(row, kind, code)
            questions += found
            columns += cols
            if kind == _UPLOAD:
                personal.update({name: "form" for name, _ in cols})
        return LimeSurveyStructure(Codebook(tuple(questions), file=self.path,
                                            personal=personal),
                                   tuple(columns), self.language)

    def question(self, row: dict, kind: str, code: str):
        """The codebook questions and the (column, heading) pairs of one question."""
        text = self.text(row)
        qid, other = row["qid"], row.get("other") == "Y"
        subs = self.subs(qid)

        def heading(*parts: str) -> str:
            return " ".join([text, *(f"[{part}]" for part in parts)])

        if kind in _MULTIPLE:
            cols = [(f"{code}[{sub}]", heading(label)) for sub, label in subs]
            if kind == "P":
                cols = [item for sub, label in subs for item in (
                    (f"{code}[{sub}]", heading(label)),
                    (f"{code}[{sub}comment]", heading(label, self.label("comment"))))]
            if other:
                cols.append((f"{code}[other]", heading(self.label("other"))))
                if kind == "P":
                    cols.append((f"{code}[othercomment]",
                                 heading(self.label("other"), self.label("comment"))))
            return [Question(code, "multiple", text, columns=tuple(sub for sub, _ in subs),
                             item_labels=tuple(label for _, label in subs))], cols
        if kind == "1":
            return self.dual_scale(code, text, qid, subs, heading)
        if kind in ":;":
            across = self.subs(qid, 1)
            cols = [(f"{code}[{y}_{x}]", heading(y_label, x_label))
                    for y, y_label in subs for x, x_label in across]
            return [Question(code, "numeric" if kind == ":" else "text", text,
                             columns=tuple(name[len(code) + 1:-1] for name, _ in cols),
                             item_labels=tuple(h[len(text) + 1:] for _, h in cols))], cols
        if kind == "R":
            options = self.options(qid)
            ranks = [str(rank) for rank in range(1, len(options) + 1)]
            return [Question(code, "single", text, levels=tuple(label for _, label in options),
                             codes=tuple(c for c, _ in options), columns=tuple(ranks),
                             item_labels=tuple(ranks))], [
                (f"{code}[{rank}]", heading(rank)) for rank in ranks]
        question_type = ("single" if kind in _SINGLE else "likert" if kind in _LIKERT
                         else "numeric" if kind in _NUMERIC else "text")
        options = self.choices(kind, qid)
        if other and kind in "L!":
            options.append(("-oth-", self.label("other")))
        levels = tuple(label for _, label in options)
        codes = tuple(c for c, _ in options)
        if subs:  # arrays
            cols = [(f"{code}[{sub}]", heading(label)) for sub, label in subs]
            questions = [Question(code, question_type, text, levels=levels, codes=codes,
                                  columns=tuple(sub for sub, _ in subs),
                                  item_labels=tuple(label for _, label in subs))]
            return questions, cols
        cols = [(code, text)]
        if kind == _UPLOAD:
            cols.append((f"{code}[filecount]", heading("filecount")))
        if other and kind in "L!":
            cols.append((f"{code}[other]", heading(self.label("other"))))
        if kind == "O":
            cols.append((f"{code}[comment]", heading(self.label("comment"))))
        return [Question(code, question_type, text, levels=levels, codes=codes)], cols

    def choices(self, kind: str, qid: str) -> list[tuple[str, str]]:
        if kind in _FIXED_ANSWERS:
            return [(code, self.label(key)) for code, key in _FIXED_ANSWERS[kind]]
        if kind == "5":
            return [(str(n), str(n)) for n in range(1, 6)]
        if kind == "A":
            return [(str(n), str(n)) for n in range(1, 6)]
        if kind == "B":
            return [(str(n), str(n)) for n in range(1, 11)]
        return self.options(qid)

    def dual_scale(self, code, text, qid, subs, heading):
        scales = [(self.options(qid, scale),
                   self.attributes.get((qid, f"dualscale_header{'AB'[scale]}"), ""))
                  for scale in (0, 1)]
        questions, cols = [], []
        for sub, label in subs:
            for number, (options, header) in enumerate(scales, start=1):
                name = f"{code}[{sub}][{number}]"
                parts = [label, header] if header else [label]
                cols.append((name, heading(*parts)))
                questions.append(Question(
                    name, "likert", heading(*parts), levels=tuple(lab for _, lab in options),
                    codes=tuple(c for c, _ in options)))
        return questions, cols
