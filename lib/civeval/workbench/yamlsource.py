"""Where things are in a YAML file, so that errors name the line and column to fix.

``study.yml``, diagnostic grids, coding rules and recommendation libraries are all YAML that
users edit by hand; their readers compose the file into nodes once, then ask here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# Hand-edited files are small; these bounds keep a hostile one (a "billion laughs" of
# anchors and aliases, a huge file) from hanging validation and the whole batch.
MAX_BYTES = 1_000_000
MAX_VALUES = 100_000
# libyaml's parser, some thirty times faster than PyYAML's own; both build the same nodes and
# values, but PyYAML words its errors better (and reads a few texts libyaml refuses), so a
# text libyaml refuses is read again by PyYAML.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load``, with libyaml's parser when PyYAML has it: the same values, faster.

    >>> safe_load("editions: [2022, 2024]")
    {'editions': [2022, 2024]}
    """
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return yaml.safe_load(text)


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
    seen_nodes = set()  # a node reached again through an alias was checked the first time
    pending = [node]
    while pending:
        node = pending.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key_node, value_node in node.value:
                if key_node.value in keys:
                    raise error(f"the key {key_node.value!r} appears twice",
                                row=key_node.start_mark.line + 1,
                                column=key_node.start_mark.column + 1, **where)
                keys.add(key_node.value)
                pending.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def _expanded_size(root) -> tuple[int, yaml.Node | None]:
    """How many values the document holds once its aliases are expanded, computed once per
    node; and the first node reached more than once (an alias target), to point at."""
    sizes: dict[int, int] = {}
    shared = None

    def size(node) -> int:
        nonlocal shared
        if id(node) in sizes:
            shared = shared or node
            return sizes[id(node)]
        sizes[id(node)] = 1  # a recursive alias counts once instead of looping
        children = ([part for pair in node.value for part in pair]
                    if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        sizes[id(node)] = min(1 + sum(size(child) for child in children), MAX_VALUES + 1)
        return sizes[id(node)]

    return size(root), shared


def compose(text: str, error, **where) -> yaml.Node | None:
    """The node tree of a hand-edited YAML ``text``, or ``error(message, row=, column=,
    **where)`` when it does not parse, expands through its aliases to more than
    :data:`MAX_VALUES` values, or gives a key twice."""
    try:
        try:
            root = yaml.compose(text, Loader=SafeLoader)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)  # its words for the error
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        raise error(f"is not valid YAML: {getattr(problem, 'problem', None) or problem}",
                    row=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None, **where) from None
    if root is None:
        return None
    size, shared = _expanded_size(root)
    if size > MAX_VALUES:
        mark = (shared or root).start_mark
        raise error(f"expands to more than {MAX_VALUES:,} values through its aliases "
                    "(&anchor and *alias): write the values out instead",
                    row=mark.line + 1, column=mark.column + 1, **where)
    check_duplicate_keys(root, error, **where)
    return root


def read_text(path, error, *, shown, missing: str = "the file does not exist", **where) -> str:
    """The text of a hand-edited file, refused when missing, not UTF-8 or over
    :data:`MAX_BYTES`."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise error(f"is {size / 1e6:.1f} MB; a hand-edited YAML file holds at most "
                        f"{MAX_BYTES / 1e6:.0f} MB", file=shown, **where)
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(missing, file=shown, **where) from None
    except UnicodeDecodeError as problem:
        raise error(f"is not UTF-8 text ({problem.reason})", file=shown, **where) from None


def load(path, error, *, shown=None, missing: str = "the file does not exist"):
    """``(data, root node)`` of a YAML file that users edit by hand, or ``error(message,
    file=, row=, column=)`` naming what is wrong: a missing file (``missing``), text that is
    not UTF-8, YAML that does not parse (with its position), a key given twice, a file too
    large or expanding too far through its aliases."""
    shown = shown if shown is not None else path
    text = read_text(path, error, shown=shown, missing=missing)
    root = compose(text, error, file=shown)
    return safe_load(text), root
