"""Reading zip members with bounds, so that a small hostile archive cannot fill the memory.

A "zip bomb" of 2 MB that inflates to 2 GB was read whole by ``ZipFile.read`` and took
12.8 GB of memory before failing with a traceback. Members are read here in chunks, counting
what they inflate to: past :data:`MAX_MEMBER_BYTES`, or past :data:`MAX_RATIO` times their
compressed size once they pass :data:`RATIO_FROM_BYTES`, reading stops with one message.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from civeval.errors import CatalogError

MAX_MEMBER_BYTES = 512 * 2**20
# Text exports compress about 5 to 20 times; a bomb, thousands of times.
MAX_RATIO = 100
RATIO_FROM_BYTES = 16 * 2**20
_CHUNK = 2**20


def read_member(archive: zipfile.ZipFile, member: str, path: Path, error=CatalogError) -> bytes:
    """The bytes of ``member`` of ``archive`` (the file ``path``), or ``error(message,
    file=path)`` when it inflates beyond the bounds.

    Examples
    --------
    >>> import io
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    ...     archive.writestr("zeros.csv", b"0" * (RATIO_FROM_BYTES + 1))
    >>> try:
    ...     read_member(zipfile.ZipFile(buffer), "zeros.csv", Path("bombe.zip"))
    ... except CatalogError as error:
    ...     print(error.message)
    zeros.csv inflates more than 100 times its compressed size (a zip bomb?); it is not read
    """
    info = archive.getinfo(member)
    limit = min(MAX_MEMBER_BYTES, max(RATIO_FROM_BYTES, info.compress_size * MAX_RATIO))
    if info.file_size > MAX_MEMBER_BYTES:
        raise error(f"{member} would inflate to {info.file_size / 2**20:,.0f} MB; at most "
                    f"{MAX_MEMBER_BYTES / 2**20:,.0f} MB is read from one member", file=path)
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                if limit == MAX_MEMBER_BYTES:
                    raise error(f"{member} inflates to more than {MAX_MEMBER_BYTES / 2**20:,.0f}"
                                " MB, the most read from one member", file=path)
                raise error(f"{member} inflates more than {MAX_RATIO} times its compressed "
                            "size (a zip bomb?); it is not read", file=path)
            chunks.append(chunk)
    return b"".join(chunks)
