"""Open uploaded XLSX workbooks without letting one exhaust memory or time (zip and XML bombs).

An XLSX file is a zip archive of XML parts. A few megabytes can declare gigabytes of shared
strings or millions of rows, and openpyxl reads the shared strings whole before the first row. So
the archive is checked from its central directory before anything is decompressed: number of
members, each member's and the total declared size, and each member's compression ratio. Python's
zipfile never returns more than a member's declared size (and fails its CRC if the data differ), so
the declared sizes bound what parsing can see. Each sheet's declared dimensions are checked too,
and rows are streamed (read-only mode) so readers stop at their row cap.

XML is parsed through defusedxml (openpyxl uses it when it is installed): entity expansion and
external entities are refused whatever the system's libexpat does.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from registry.messages import Message

_MiB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """What an uploaded workbook may hold (generous for 50,000 rows of an inventory or a list)."""

    max_members: int = 200
    max_member_bytes: int = 48 * _MiB  # one sheet's XML, decompressed
    max_shared_strings_bytes: int = 16 * _MiB  # read whole into memory by openpyxl
    max_total_bytes: int = 96 * _MiB
    max_ratio: int = 150  # decompressed ÷ compressed, for members over 1 MiB
    max_columns: int = 256


LIMITS = WorkbookLimits()


def _dimensions_from_the_head(self: Any) -> tuple[int, int, int, int] | None:
    """openpyxl's ``WorkSheetParser.parse_dimensions``, stopping where the rows begin.

    openpyxl looks for ``<dimension>`` until the *end* of ``<sheetData>``, so a sheet that declares
    none is parsed whole (and kept, as cleared elements) when a read-only workbook opens it: two
    million empty rows took seconds and hundreds of megabytes before the first row was read. The
    element comes before ``<sheetData>`` in every valid sheet, so looking no further is enough.
    """
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG, SheetDimension
    from openpyxl.xml.functions import iterparse

    for _event, element in iterparse(self.source, events=("start",)):
        if element.tag == DIMENSION_TAG:
            return SheetDimension(ref=element.get("ref")).boundaries
        if element.tag == DATA_TAG:
            return None
    return None


def _patch_openpyxl() -> None:
    from openpyxl.worksheet._reader import WorkSheetParser

    WorkSheetParser.parse_dimensions = _dimensions_from_the_head


_patch_openpyxl()


class UnsafeWorkbook(ValueError):
    """The workbook is refused before or while reading it; the message says why, for the user."""


def check_archive(source: bytes | Path | IO[bytes], limits: WorkbookLimits = LIMITS) -> None:
    """Refuse an archive whose declared content is too large or too compressed.

    :raise UnsafeWorkbook: too many members, a member or the whole too large, a ratio too high.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeWorkbook(Message(f"Not a readable XLSX workbook ({error}).", "unreadable_workbook")) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if len(members) > limits.max_members:
        raise UnsafeWorkbook(
            Message(
                f"The workbook has {len(members):,} parts; at most {limits.max_members:,} are read.",
                "workbook_too_large",
            )
        )
    total = 0
    for member in members:
        size = member.file_size
        total += size
        cap = limits.max_shared_strings_bytes if member.filename.endswith("sharedStrings.xml") else None
        cap = cap or limits.max_member_bytes
        if size > cap:
            raise UnsafeWorkbook(
                Message(
                    f"The workbook part {member.filename} unpacks to {size / _MiB:,.0f} MiB; at most {cap // _MiB} "
                    "MiB is read. Split the file.",
                    "workbook_too_large",
                )
            )
        if size > _MiB and size > limits.max_ratio * max(member.compress_size, 1):
            raise UnsafeWorkbook(
                Message(
                    f"The workbook part {member.filename} is compressed {size // max(member.compress_size, 1):,} "
                    "to 1, more than any real spreadsheet; it is not read.",
                    "workbook_too_large",
                )
            )
    if total > limits.max_total_bytes:
        raise UnsafeWorkbook(
            Message(
                f"The workbook unpacks to {total / _MiB:,.0f} MiB; at most {limits.max_total_bytes // _MiB} MiB "
                "is read.",
                "workbook_too_large",
            )
        )


def open_workbook(source: bytes | Path | IO[bytes], limits: WorkbookLimits = LIMITS) -> Any:
    """Check the archive, then open it read-only (rows are streamed, values not formulas).

    :raise UnsafeWorkbook: the archive is refused, or openpyxl cannot read it.
    """
    from openpyxl import load_workbook

    check_archive(source, limits)
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnsafeWorkbook(Message(f"Not a readable XLSX workbook ({error}).", "unreadable_workbook")) from None


def check_dimensions(worksheet: Any, max_rows: int, limits: WorkbookLimits = LIMITS) -> None:
    """Refuse a sheet whose declared dimensions exceed ``max_rows`` (plus a header) or the column cap.

    :raise UnsafeWorkbook: the sheet declares more rows or columns than are read.
    """
    try:
        rows, columns = worksheet.max_row, worksheet.max_column
    except Exception:  # no or a malformed dimension: the row cap still holds while streaming
        return
    if rows is not None and rows > max_rows + 1:
        raise UnsafeWorkbook(
            Message(
                f"The sheet {worksheet.title} has {rows:,} rows; at most {max_rows:,} are read.",
                "sheet_too_long",
                max=max_rows,
            )
        )
    if columns is not None and columns > limits.max_columns:
        raise UnsafeWorkbook(
            Message(
                f"The sheet {worksheet.title} has {columns:,} columns; at most {limits.max_columns} are read.",
                "sheet_too_wide",
                max=limits.max_columns,
            )
        )


def capped_rows(
    worksheet: Any, max_rows: int, limits: WorkbookLimits = LIMITS
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield ``(row number, values)`` of a sheet, empty rows included, stopping past ``max_rows``.

    Empty rows count against the cap, so a sheet of a million blank rows stops as early as a full one.

    :raise UnsafeWorkbook: more than ``max_rows`` rows (header included), or a row too wide.
    """
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if number % 1000 == 0:
            time.sleep(0)  # under gevent, let the worker's other connections run while a large sheet is read
        if number > max_rows:
            raise UnsafeWorkbook(
                Message(
                    f"The sheet {worksheet.title} has more than {max_rows:,} rows; they are not read.",
                    "sheet_too_long",
                    max=max_rows,
                )
            )
        if len(values) > limits.max_columns:
            raise UnsafeWorkbook(
                Message(
                    f"The sheet {worksheet.title} has more than {limits.max_columns} columns (row {number}).",
                    "sheet_too_wide",
                    max=limits.max_columns,
                )
            )
        yield number, values


def xml_is_defused() -> bool:
    """Whether openpyxl parses with defusedxml (entity expansion refused independently of libexpat)."""
    from openpyxl.xml import DEFUSEDXML, functions

    return bool(DEFUSEDXML) and functions.iterparse.__module__.startswith("defusedxml")
