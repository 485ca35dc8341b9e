"""REFI-QDA files: the ``project.qde`` of a ``.qdpx`` archive, and XML read with the line of
each element.

REFI-QDA is the exchange standard of QualCoder, Taguette, MAXQDA, ATLAS.ti and NVivo. The
codebook reader (:func:`civeval.qual.codebook.read_codebook`, for ``.qdc`` and ``.qdpx``
files) and the reader of a project's coded text (:func:`civeval.qual.qdpx.read_qdpx`) both
open projects here, so that their errors name the line and column in ``project.qde``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from civeval.errors import CatalogError
from civeval.workbench import archives

__all__ = ["parse_xml", "read_qdpx_project"]


def read_qdpx_project(path: Path) -> tuple[bytes, str]:
    """The bytes of ``project.qde`` in a ``.qdpx`` zip, and its member name."""
    if path.stat().st_size == 0:
        raise CatalogError("the file is empty", file=path)
    if not zipfile.is_zipfile(path):
        raise CatalogError("not a REFI-QDA project: a .qdpx file is a zip archive, and this "
                           "one is not", file=path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            member = next((name for name in names if name.lower() == "project.qde"), None)
            member = member or next((name for name in names if name.lower().endswith(".qde")),
                                    None)
            if member is None:
                raise CatalogError("not a REFI-QDA project: the archive has no project.qde",
                                   file=path)
            return archives.read_member(archive, member, path), member
    except (zipfile.BadZipFile, OSError) as error:
        raise CatalogError(f"the zip archive cannot be read: {error}", file=path) from None


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def parse_xml(data: bytes, path: Path, member: str | None
              ) -> tuple[ElementTree.Element, dict[ElementTree.Element, int]]:
    """Parse XML into an element tree without namespace prefixes, with each element's line.

    ElementTree forgets where elements were; expat knows, so it drives the tree builder.
    """
    where = f"in {member}: " if member else ""
    if not data.strip():
        raise CatalogError(f"{where}the file is empty", file=path)
    builder = ElementTree.TreeBuilder()
    lines: dict[ElementTree.Element, int] = {}
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(name, attributes):
        element = builder.start(_local(name), attributes)
        lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_local(name))
    parser.CharacterDataHandler = builder.data

    def entity(name, *_rest):
        # REFI-QDA never declares entities; a document that does may be an entity bomb.
        raise CatalogError(f"{where}declares the XML entity {name!r}; a REFI-QDA project "
                           "declares none", file=path, row=parser.CurrentLineNumber)

    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise CatalogError(f"{where}not well-formed XML ({expat.ErrorString(error.code)})",
                           file=path, row=error.lineno, column=error.offset + 1) from None
    return builder.close(), lines
