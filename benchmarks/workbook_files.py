"""Hostile spreadsheets built from ordinary ones: shared by the workbook tests and ``attack.py``.

Each starts from a small XLSX that openpyxl writes and rewrites members of the archive, so the
file is what a real hostile upload would be: valid ZIP, valid XML, only the content out of scale.
"""

from __future__ import annotations

import io
import zipfile

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(rows: list[list[object]], title: str | None = None) -> bytes:
    """An XLSX of ``rows`` in its first sheet (named ``title`` when given), as openpyxl saves it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def declare_shared_strings(content_types: bytes) -> bytes:
    """``[Content_Types].xml`` with the shared-strings part declared (openpyxl omits it when unused)."""
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
    return content_types.replace(b"</Types>", override.encode() + b"</Types>")


def rewrite(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same archive with some members' content replaced or added (shared strings declared)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = [info.filename for info in source.infolist()]
        for name in names:
            content = replace.get(name, source.read(name))
            if name == "[Content_Types].xml" and "xl/sharedStrings.xml" in replace:
                content = declare_shared_strings(content)
            target.writestr(name, content)
        for name, content in replace.items():
            if name not in names:
                target.writestr(name, content)
    return out.getvalue()
