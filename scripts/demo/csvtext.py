"""Rows written as the demo's CSV files are: ``;``-separated unless told, ``\\n`` line ends."""

import csv
import io


def csv_text(rows: list[dict], sep: str = ";") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=sep, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
