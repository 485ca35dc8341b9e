"""``civeval instrument <study>``: every instrument of a study, written at once under
``reports/<slug>/instruments/``.

The folder is built aside and swapped in whole (:func:`civeval.workbench.atomic.replace_dir`):
a fault in the bank or in ``study.yml`` stops everything before a file is written, and a
reader never sees half of a new set beside half of the old one.
"""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from civeval.instruments import blocks, documents, forms
from civeval.instruments.bank import Bank, load_bank
from civeval.instruments.coverage import coverage
from civeval.instruments.select import select_items
from civeval.presentation import i18n
from civeval.workbench import atomic
from civeval.workbench.paths import INSTRUMENTS_FOLDER as FOLDER


@dataclass
class Written:
    """What :func:`write_instruments` wrote: the folder, its files, and what to tell the
    user (items left out, PDFs that could not be printed)."""

    folder: Path
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_instruments(study, *, pdf: bool = True, bank: Bank | None = None) -> Written:
    """Write the study's questionnaire (XLSForm, LimeSurvey structure, codebook, paper),
    interview guides, workshop protocol, observation grid and coverage table.

    Parameters
    ----------
    study : Study
    pdf : bool
        Print the HTML documents to PDF too (with headless Chromium, when there is one).
    bank : Bank, optional
        The question bank; the project's by default.

    Raises
    ------
    InstrumentError
        The bank or the study's ``instruments:`` is wrong; nothing is written.
    """
    bank = bank or load_bank()
    selection = select_items(study, bank)
    table = coverage(study, selection)
    language = study.language
    t = i18n.translator(language)
    target = Path(study.output_dir) / FOLDER
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER}.", dir=target.parent))
    written = Written(target, notes=list(selection.notes))
    try:
        staging.chmod(atomic.DIR_MODE)
        files: dict[str, bytes | str] = {}
        documents_html: list[str] = []
        title = study.config.title
        waves = [("", selection.items)]
        if selection.deliberative:
            waves.insert(0, ("_avant", selection.before_items))
        for suffix, items in waves:
            name = t("instruments.before", title=title) if suffix else title
            files[f"questionnaire{suffix}.xlsx"] = forms.xlsform_bytes(forms.xlsform_sheets(
                items, name, f"{study.slug.replace('-', '_')}{suffix}", bank.themes))
            files[f"questionnaire{suffix}_limesurvey.txt"] = forms.limesurvey_structure(
                items, name, bank.themes)
            files[f"codebook{suffix}.yml"] = forms.codebook_yaml(items, name, language)
            paper = f"questionnaire{suffix}_papier"
            files[f"{paper}.html"] = blocks.to_html(
                t("instruments.paper", title=name),
                documents.paper_questionnaire(selection, items, language), language)
            documents_html.append(paper)
        for group, label in selection.groups.items():
            stem = f"guide_{_plain(group)}"
            guide_title = t("instruments.guide", group=label[language])
            content = documents.interview_guide(selection, group, language)
            files[f"{stem}.html"] = blocks.to_html(guide_title, content, language)
            files[f"{stem}.docx"] = blocks.to_docx(guide_title, content)
            documents_html.append(stem)
        files["codebook_entretiens.csv"] = documents.interview_codebook(selection)
        protocol_title = t("instruments.workshop")
        protocol = documents.workshop_protocol(selection, language)
        files["protocole_atelier.html"] = blocks.to_html(protocol_title, protocol, language)
        files["protocole_atelier.docx"] = blocks.to_docx(protocol_title, protocol)
        files["gommettes.xlsx"] = documents.dot_vote_workbook()
        documents_html.append("protocole_atelier")
        files["grille_observation.html"] = blocks.to_html(
            t("instruments.observation"),
            documents.observation_sheet(selection, language), language)
        files["grille_observation.xlsx"] = documents.observation_workbook(selection)
        documents_html.append("grille_observation")
        files["couverture.csv"] = _coverage_table(table, language).to_csv(sep=";", index=False)
        files["couverture.html"] = blocks.to_html(
            t("instruments.coverage"), [_coverage_block(table, language)], language)
        for name, content in files.items():
            path = staging / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            path.chmod(atomic.FILE_MODE)
        if pdf:
            written.notes += _print(staging, documents_html)
        written.files = sorted(path.name for path in staging.iterdir())
        atomic.replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _print(folder: Path, stems: list[str]) -> list[str]:
    from civeval.workbench.render import print_pdf

    for stem in stems:
        problem = print_pdf(folder / f"{stem}.html", folder / f"{stem}.pdf")
        if problem is not None:
            return [f"no PDF: {problem}"]
    return []


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "_")


def _coverage_table(table, language: str):
    shown = table.copy()
    for column in ("items", "guide_questions", "workshop_questions", "indicators",
                   "candidates"):
        shown[column] = shown[column].map(", ".join)
    t = i18n.translator(language)
    shown["status"] = shown["status"].map(lambda status: t(f"instruments.status.{status}"))
    shown.columns = [t(f"instruments.coverage.{column}") for column in shown.columns]
    return shown


def _coverage_block(table, language: str) -> blocks.Table:
    shown = _coverage_table(table, language)
    return blocks.Table(tuple(shown.columns),
                        tuple(tuple(str(value) for value in row)
                              for row in shown.itertuples(index=False)))
