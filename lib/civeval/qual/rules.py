"""Keyword rules that propose codes for open answers: :class:`CodingRules`, read from a YAML
file by :func:`read_rules`.

:func:`civeval.qual.coding.propose_codes` applies them; the analyst then validates what
they propose (:mod:`civeval.qual.coding`).

Rules file
----------
::

    codes:
      mobilité:
        description: Déplacements, voirie, stationnement
        keywords: [piste cyclable, trottoir, vélo, stationnement]
        exclude: [vélo d'appartement]
      sécurité:
        keywords: [dangereux, sécurité, accident, éclairage]
      autre:
        description: Codé à la main uniquement

``keywords`` are words or lemmas, or expressions of several words ("piste cyclable"), which
then match consecutive words of an answer. ``exclude`` lists words or expressions that veto
the code when the answer contains them. A code without keywords is never proposed but may
be given by hand. A keyword may belong to several codes (an answer on a dangerous cycle
path is about both mobility and safety, and the analyst sees both proposals anyway); these
are listed by :attr:`CodingRules.shared_keywords`, without a warning.

Matching
--------
Answers and keywords go through the same analysis: French lemmas, lower case, accents
removed ("securite" typed without accents matches "sécurité"), punctuation dropped, stop
words kept (so that "prise en compte" matches as written). The small French model tags some
adjectives as nouns ("dangereuses" → "dangereuse"), so a word also matches through its
lemma as a noun and as an adjective, and through its written form. Negation is not
analysed: "pas dangereux" proposes *sécurité* unless an exclusion says otherwise
(``exclude: [pas dangereux]``), and the analyst corrects what the rules get wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from civeval.errors import InputError
from civeval.qual.lemmas import fold_accents, word_forms
from civeval.workbench import yamlsource

__all__ = ["CodeRule", "CodingRules", "read_rules"]

_RULE_KEYS = ("keywords", "exclude", "description")


@dataclass(frozen=True)
class CodeRule:
    """One code of the rules: its keywords, the words that veto it, its description."""

    name: str
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    description: str | None = None


class CodingRules:
    """Keyword rules that propose codes, validated.

    Build them with :func:`read_rules` from a YAML file, or from a mapping written like
    that file's ``codes`` section (errors then have no line numbers).

    Parameters
    ----------
    codes : mapping
        Code name → ``{"keywords": [...], "exclude": [...], "description": "..."}``
        (every key optional; ``None`` for a code given by hand only).
    file : path, optional
        The file the rules come from, for error messages.

    Examples
    --------
    >>> rules = CodingRules({"mobilité": {"keywords": ["piste cyclable", "vélo"]},
    ...                      "sécurité": {"keywords": ["dangereux", "vélo"]},
    ...                      "autre": None})
    >>> list(rules), "autre" in rules, rules.shared_keywords
    (['mobilité', 'sécurité', 'autre'], True, {'vélo': ['mobilité', 'sécurité']})
    """

    def __init__(self, codes: Mapping, *, file: str | Path | None = None, _root=None):
        self.file = Path(file) if file is not None else None
        self.codes: dict[str, CodeRule] = _parse_rules(codes, self.file, _root)
        self._patterns = None

    def __iter__(self):
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code) -> bool:
        return code in self.codes

    def __repr__(self) -> str:
        return f"CodingRules({list(self.codes)})"

    @property
    def shared_keywords(self) -> dict[str, list[str]]:
        """Keywords (as written, compared without case or accents) found in several codes."""
        owners: dict[str, list[str]] = {}
        written: dict[str, str] = {}
        for rule in self.codes.values():
            for keyword in rule.keywords:
                key = " ".join(fold_accents(keyword).split())
                written.setdefault(key, keyword)
                if rule.name not in owners.setdefault(key, []):
                    owners[key].append(rule.name)
        return {written[key]: names for key, names in owners.items() if len(names) > 1}

    def patterns(self) -> dict[str, tuple[list, list]]:
        """Code → (keyword patterns, exclusion patterns), each a list of word forms."""
        if self._patterns is None:
            expressions = sorted({expression for rule in self.codes.values()
                                  for expression in rule.keywords + rule.exclude})
            forms = dict(zip(expressions, word_forms(expressions), strict=True))
            self._patterns = {
                rule.name: ([forms[k] for k in rule.keywords if forms[k]],
                            [forms[k] for k in rule.exclude if forms[k]])
                for rule in self.codes.values()}
        return self._patterns


def _parse_rules(codes, file: Path | None, root) -> dict[str, CodeRule]:
    def error(message: str, *path) -> InputError:
        # the mark of the offending value, or of its key when the key itself is wrong
        mark = yamlsource.mark(root, ("codes", *path))
        return InputError(message, file=file, row=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None)

    if not isinstance(codes, Mapping) or not codes:
        raise error("'codes' must map each code name to its keywords")
    rules: dict[str, CodeRule] = {}
    for name, spec in codes.items():
        if not isinstance(name, str) or not name.strip():
            raise error(f"a code name must be non-empty text, not {name!r}", str(name))
        clean = name.strip()
        if ";" in clean:
            raise error(f"the code name {clean!r} contains ';', which separates codes", name)
        if clean in rules:
            raise error(f"the code {clean!r} appears twice", name)
        if spec is None:
            spec = {}
        if not isinstance(spec, Mapping):
            raise error(f"the code {clean!r} must be a mapping with keywords, exclude and "
                        "description", name)
        for key in spec:
            if key not in _RULE_KEYS:
                close = difflib.get_close_matches(str(key), _RULE_KEYS, n=1)
                hint = (f"did you mean {close[0]!r}?" if close
                        else f"expected {', '.join(_RULE_KEYS)}")
                raise error(f"unknown key {key!r} in code {clean!r} ({hint})", name, key)
        keywords = _expressions(spec.get("keywords"), error, name, "keywords")
        exclude = _expressions(spec.get("exclude"), error, name, "exclude")
        folded = {" ".join(fold_accents(k).split()) for k in keywords}
        for position, word in enumerate(exclude):
            if " ".join(fold_accents(word).split()) in folded:
                raise error(f"{word!r} is both a keyword and an exclusion of code {clean!r}",
                            name, "exclude", position)
        description = spec.get("description")
        if description is not None and not isinstance(description, str):
            raise error("a description must be text", name, "description")
        rules[clean] = CodeRule(clean, keywords, exclude,
                                description.strip() if description else None)
    return rules


def _expressions(values, error, name: str, key: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise error(f"{key} of code {name.strip()!r} must be a list, e.g. [vélo, piste cyclable]",
                    name, key)
    result = []
    for position, value in enumerate(values):
        if not isinstance(value, str):
            raise error(f"{key} must be words, not {value!r} (put numbers in quotes)",
                        name, key, position)
        value = " ".join(value.split())
        if not re.search(r"\w", value):
            raise error(f"an entry of {key} must contain a word, not {value!r}",
                        name, key, position)
        if value not in result:
            result.append(value)
    return tuple(result)


def read_rules(path: str | Path) -> CodingRules:
    """Read and check a YAML file of coding rules (format in the module's notes).

    Raises
    ------
    InputError
        Naming the file, line and column: invalid YAML, a key other than ``codes`` at the
        top or other than ``keywords``/``exclude``/``description`` in a code, a key given
        twice, an empty code name or one containing ``;``, keywords that are not a list
        of words, a word that is both a keyword and an exclusion of the same code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "regles.yml"
    >>> _ = path.write_text("codes:\\n  mobilité:\\n    keyword: [vélo]\\n", encoding="utf-8")
    >>> try:
    ...     read_rules(path)
    ... except InputError as error:
    ...     print(error.row, error.column, error.message)
    3 5 unknown key 'keyword' in code 'mobilité' (did you mean 'keywords'?)
    """
    path = Path(path)
    raw, root = yamlsource.load(path, InputError, missing="the coding rules file does not exist")
    if root is None:
        raise InputError("the coding rules file is empty", file=path)
    if not isinstance(raw, dict):
        raise InputError("must be a mapping with one key, codes", file=path, row=1)
    for key_node, _ in root.value:
        if key_node.value != "codes":
            raise InputError(f"unknown key {key_node.value!r}: the file has one key, codes",
                             file=path, row=key_node.start_mark.line + 1,
                             column=key_node.start_mark.column + 1)
    if "codes" not in raw:
        raise InputError("the key 'codes' is missing", file=path, row=1)
    return CodingRules(raw["codes"], file=path, _root=root)
