"""Where things are in a YAML file, so that errors name the line and column to fix.

``study.yml``, diagnostic grids, coding rules and recommendation libraries are all YAML that
users edit by hand; their readers compose the file into nodes once, then ask here.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def key_pair(node, key) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key, value) nodes of ``key`` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                return key_node, value_node
    return None


def mark(root, path: tuple):
    """The mark of ``path`` (keys and list positions) below ``root``, or None: the key
    itself when the path ends on a key, so that an error points where the user must look."""
    if root is None:
        return None
    node, found = root, root.start_mark
    for depth, part in enumerate(path, start=1):
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            found = node.start_mark
        elif (pair := key_pair(node, part)) is not None:
            found = pair[0].start_mark if depth == len(path) else pair[1].start_mark
            node = pair[1]
        else:
            break
    return found


def location_mark(root: yaml.Node | None, loc: tuple) -> yaml.Mark | None:
    """The mark of a validation error's location ``loc`` (keys, list positions and pydantic's
    ``[key]`` parts) below ``root``, or the closest mark above it."""
    node, mark = root, root.start_mark if root is not None else None
    for part in loc:
        if part == "[key]" or node is None:
            continue
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            mark = node.start_mark
        elif (pair := key_pair(node, part)) is not None:
            mark = pair[0].start_mark
            node = pair[1]
        else:
            break
    return mark


def check_duplicate_keys(node, error, **where) -> None:
    """Raise ``error(message, row=, column=, **where)`` at a key given twice in a mapping:
    YAML keeps the last silently, and the user would never know which one counted."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                raise error(f"the key {key_node.value!r} appears twice",
                            row=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1, **where)
            seen.add(key_node.value)
            check_duplicate_keys(value_node, error, **where)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            check_duplicate_keys(item, error, **where)


def load(path, error, *, shown=None, missing: str = "the file does not exist"):
    """``(data, root node)`` of a YAML file that users edit by hand, or ``error(message,
    file=, row=, column=)`` naming what is wrong: a missing file (``missing``), text that is
    not UTF-8, YAML that does not parse (with its position), a key given twice."""
    shown = shown if shown is not None else path
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(missing, file=shown) from None
    except UnicodeDecodeError as problem:
        raise error(f"is not UTF-8 text ({problem.reason})", file=shown) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        raise error(f"is not valid YAML: {getattr(problem, 'problem', None) or problem}",
                    file=shown, row=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None) from None
    check_duplicate_keys(root, error, file=shown)
    return data, root
