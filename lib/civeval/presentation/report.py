"""What templates display: tables, figures and text, escaped and formatted for readers.

Templates never print raw DataFrames or f-strings of data: text that comes from data (an
answer, a project name, a column heading) could hold HTML, so everything shown goes
through these functions, which escape it. Numbers are formatted the French way (or the
report language's) by :mod:`civeval.presentation.fmt`.

Call :func:`setup` once at the top of a template, with the study.
"""

from __future__ import annotations

import base64
import html
import io
import re
import unicodedata
from collections.abc import Mapping

import mistune
import pandas as pd
from IPython.display import HTML

from civeval.presentation import charts, fmt, i18n

_language = "fr"
YEAR_COLUMNS = {"edition", "previous_edition", "year", "first_edition", "last_edition"}


def _translate(key: str, **values) -> str:
    return i18n.translator(_language)(key, **values)


def setup(study) -> None:
    """Format, translate and draw charts for ``study``'s report language."""
    global _language
    _language = study.language
    fmt.use_language(study.language)
    charts.use_house_style()


def escape(value) -> str:
    """``value`` as text safe to put inside HTML (not Markdown: see :func:`text`)."""
    return html.escape(str(value), quote=True)


def text(message: str, **values) -> HTML:
    """A Markdown ``message`` rendered to HTML, its ``{placeholders}`` filled with ``values``.

    The message is trusted (it comes from the template or the catalogue); the values are
    not, so they never pass through Markdown, where ``[x](javascript:…)`` would become a
    link: each is replaced by an inert token, the Markdown is rendered, then the tokens
    are replaced by the HTML-escaped values.

    >>> print(text("Projet : **{name}**", name="<b>[x](javascript:alert(1))</b>").data.strip())
    <p>Projet : <strong>&lt;b&gt;[x](javascript:alert(1))&lt;/b&gt;</strong></p>
    """
    tokens = {name: f"civevalvalue{number}x" for number, name in enumerate(values)}
    rendered = mistune.html(message.format(**tokens))
    for name, token in tokens.items():
        rendered = rendered.replace(token, escape(values[name]))
    return HTML(rendered)


def heading(title: str, level: int = 2) -> HTML:
    """A section heading written by code (conditional sections, catalogue text)."""
    anchor = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", title).encode(
        "ascii", "ignore").decode().lower()).strip("-")
    return HTML(f'<h{level} id="{anchor}">{escape(title)}</h{level}>')


def key_figures(frame: pd.DataFrame, caption: str | None = None) -> HTML:
    """A two-column table of ``indicator``, ``value`` where each row's ``kind`` says how to
    format its value (number, percent, euro, date, text)."""
    rows = "".join(
        f"<tr><td>{escape(row.indicator)}</td>"
        f'<td class="cv-num">{escape(fmt.by_kind(row.value, row.kind))}</td></tr>'
        for row in frame.itertuples(index=False))
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return HTML(f'<table class="cv-table">{title}<tbody>{rows}</tbody></table>')


def evidence(records, caption: str | None = None, links: Mapping[str, str] | None = None
             ) -> HTML:
    """The key figures of ``records`` (:class:`civeval.evidence.record.Evidence`), each row
    with the figure's name, its value as every page shows it and what qualifies it (its
    trend, its rank, its caveats), anchored so that the summary can link to it.

    ``links`` maps a record's key to the page that shows it: the row then links there (the
    main report's key figures) instead of being the anchor itself.
    """
    rows = []
    for record in records:
        value = escape(record.text(_language))
        if links and record.key in links:
            value = f'<a href="{escape(links[record.key])}#{record.anchor}">{value}</a>'
            anchor = ""
        else:
            anchor = f' id="{record.anchor}"'
        notes = "<br>".join(escape(note) for note in _qualifiers(record))
        rows.append(f"<tr{anchor}><td>{escape(record.label)}</td>"
                    f'<td class="cv-num">{value}</td><td>{notes}</td></tr>')
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    head = "".join(f'<th scope="col">{escape(_translate(f"evidence.column.{name}"))}</th>'
                   for name in ("indicator", "value", "reading"))
    return HTML(f'<table class="cv-table cv-evidence">{title}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")


def answers(table: pd.DataFrame, criteria: Mapping[str, str]) -> HTML:
    """The answers to the evaluation questions (:func:`civeval.diagnosis.questions.answers`):
    each question with its criterion, its answer, how solid it is, and links to the rows of
    the sections it rests on (``table.attrs["pages"]``: record key → page)."""
    pages = table.attrs.get("pages", {})
    items = []
    for row in table.itertuples(index=False):
        links = ", ".join(
            f'<a href="{escape(pages[key])}#ev-{escape(key)}">{escape(_label(key))}</a>'
            for key in row.evidence if key in pages)
        support = (f"<br><em>{escape(_translate('questions.support'))}</em> {links}"
                   if links else "")
        items.append(
            f'<div class="cv-answer"><p><strong>{escape(row.question)}</strong> '
            f"<span>({escape(criteria.get(row.criterion, row.criterion))})</span></p>"
            f"<p>{escape(row.answer)}{support}</p>"
            f"<p><em>{escape(_translate('questions.solidity'))}</em> "
            f"{escape(_translate(f'questions.solidity.{row.solidity}'))}</p></div>")
    return HTML("".join(items))


def _label(key: str) -> str:
    from civeval.evidence import registry

    entry = registry.indicator(key, _language)
    return entry["label"] if entry else key


def _qualifiers(record) -> list[str]:
    """What a reader must know with a figure: its trend, its rank, its caveats."""
    notes = []
    trend = record.trend
    locale = fmt.LOCALES[_language]
    if trend is not None and trend.tested:
        key = ("evidence.trend_significant" if trend.significant
               else "evidence.trend_not_significant")
        notes.append(_translate(key, change=fmt.change(trend.change, locale=locale),
                                first=trend.first, last=trend.last,
                                p=fmt.p_clause(trend.p_value, locale=locale)
                                if trend.p_value is not None else ""))
    if trend is not None and trend.breaks:
        notes.append(_translate("evidence.trend_breaks" if trend.tested
                                else "evidence.trend_breaks_untested",
                                first=trend.first, breaks=" ; ".join(trend.breaks)))
    position = record.position
    if position is not None and position.ranked:
        notes.append(_translate("evidence.ranked", percentile=fmt.number(
            position.percentile, 0, locale=locale), count=position.peers))
    elif position is not None and position.peers:  # no peer at all: the limits say it once
        notes.append(_translate("evidence.unranked", count=position.peers,
                                median=fmt.by_kind(position.median, record.kind, locale),
                                needed=position.min_peers))
    if record.suppressed:
        notes.append(_translate("evidence.suppressed"))
    notes.extend(record.caveats)
    return notes


def _cell(value, kind: str | None) -> tuple[str, bool]:
    """Formatted text of one table cell and whether it is numeric."""
    if kind is not None:
        return escape(fmt.by_kind(value, kind)), kind in {"number", "percent", "change", "euro",
                                                               "p_value", "coefficient"}
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return fmt.MISSING, False
    if pd.api.types.is_bool(value):
        return escape(_translate("value.yes") if value else _translate("value.no")), False
    if pd.api.types.is_integer(value) or (pd.api.types.is_float(value)
                                          and float(value).is_integer()):
        return fmt.integer(value), True
    if pd.api.types.is_float(value):
        return fmt.number(value, 1), True
    if isinstance(value, pd.Timestamp):
        return fmt.date(value), False
    return escape(value), False


def table_html(frame: pd.DataFrame, caption: str | None = None,
               kinds: Mapping[str, str] | None = None,
               labels: Mapping[str, str] | None = None) -> str:
    """An HTML table of ``frame``: escaped text, formatted numbers, no index.

    Parameters
    ----------
    frame : DataFrame
        What to show; its index is not shown.
    caption : str, optional
        Title above the table.
    kinds : mapping, optional
        Column → ``number``, ``percent``, ``euro``, ``date``, ``p_value`` or ``text``, for
        columns whose format cannot be guessed from the values (a ratio as a percentage).
    labels : mapping, optional
        Column → heading shown to readers; by default the catalogue's ``column.<name>``
        when there is one, else the column name.
    """
    # Years are labels, not quantities: 2024, never 2 024.
    kinds = {**{c: "text" for c in frame.columns if c in YEAR_COLUMNS}, **(kinds or {})}
    labels = labels or {}
    catalogue = i18n.catalogue(_language)
    headings = [labels.get(c, catalogue.get(f"column.{c}", c)) for c in frame.columns]
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            shown, numeric = _cell(value, kinds.get(column))
            cells.append(f'<td class="cv-num">{shown}</td>' if numeric else f"<td>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<table class="cv-table">{title}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def table(frame: pd.DataFrame, caption: str | None = None, **options) -> HTML:
    """Display ``frame`` as a report table (see :func:`table_html` for the options)."""
    return HTML(table_html(frame, caption, **options))


def figure(fig, *, title: str, alt: str, source: str | None = None) -> HTML:
    """Display a matplotlib figure with its title and source under it, and its alt text.

    The PNG carries no timestamp or software tag, so the same data gives the same bytes.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight",
                metadata={"Software": None})
    charts.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    caption = f"<strong>{escape(title)}</strong>"
    if source:
        caption += f"<br>{escape(_translate('report.source', source=source))}"
    return HTML(f'<figure class="cv-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{escape(alt)}"><figcaption>{caption}</figcaption></figure>')


def bullets(items: list[str]) -> HTML:
    """A bulleted list of plain texts, escaped."""
    return HTML("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")


def link(href: str, text: str) -> HTML:
    """A link to a file beside the report (an export): relative, never to the web."""
    if "://" in href or href.startswith("//"):
        raise ValueError(f"reports link only to their own files, not to {href!r}")
    return HTML(f'<p><a href="{escape(href)}">{escape(text)}</a></p>')


def quotes(texts: list[str], attributions: list[str] | None = None) -> HTML:
    """Quotations shown as block quotes, each with who said it (a group, never a name)
    when ``attributions`` are given; texts are escaped (pseudonymise them first)."""
    attributions = attributions or [None] * len(texts)
    return HTML("".join(
        f'<blockquote class="cv-quote">« {escape(text)} »'
        + (f"<footer>— {escape(who)}</footer>" if who else "") + "</blockquote>"
        for text, who in zip(texts, attributions, strict=True)))
