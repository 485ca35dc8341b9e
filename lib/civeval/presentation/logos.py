"""The cover's logos as ``study.yml`` names them, checked without building any document.

Validation checks them (:func:`civeval.workbench.runner.plan_study`), so this module
imports only Pillow, and only when a study has a logo: the print document
(:mod:`civeval.presentation.pdf`) and its HTML libraries stay out of ``civeval validate``.
"""

from __future__ import annotations

from pathlib import Path

from civeval.errors import StudyError

# Logo formats a browser and Word both show (Pillow's names → MIME types).
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
LOGO_ROLES = ("client", "consultancy")


def cover_logos(study) -> dict[str, Path]:
    """The cover's logos of ``study`` (role → file), each checked: inside the study's
    folder or ``data/reference/`` (:meth:`~civeval.workbench.study.Study.inside`), present,
    and a PNG or JPEG image.

    Raises
    ------
    StudyError
        At the line and column of the key that names the faulty file.
    """
    found, problems = {}, []
    given = study.config.report.logos
    for role in LOGO_ROLES:
        relative = getattr(given, role)
        if relative is None:
            continue
        where = ("report", "logos", role)
        try:
            path = study.inside(relative, *where)
        except StudyError as error:
            problems.append(error)
            continue
        shown = Path(relative).as_posix()
        if not path.is_file():
            problems.append(StudyError(f"report.logos.{role}: file {shown!r} not found",
                                       **study.where(*where)))
            continue
        if _image_format(path) not in LOGO_FORMATS:
            problems.append(StudyError(f"report.logos.{role}: {shown!r} is not a PNG or JPEG "
                                       "image", **study.where(*where)))
            continue
        found[role] = path
    if problems:
        from civeval.errors import combine

        raise combine(problems)
    return found


def _image_format(path: Path) -> str | None:
    """Pillow's name for the format of the image at ``path``, None when it is none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return kind
