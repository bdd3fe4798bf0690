"""Turn HTML form fields into the API's request shapes, and validation errors into messages by field.

Field names are the request's own paths (``dataset.personal_info_subjects``, ``items.2.code``), so
the errors a schema gives, keyed as the request is nested, land next to the input they are about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from registry.figures import parse_count, split_codes
from registry.lists.conditions import format_conditions, parse_condition, split_conditions
from registry.web.messages import reader_text

ROW_FIELD = re.compile(r"^(categories|attributes|items)\.(\d+)\.([a-z_]+)$")
ROW_FIELDS = {
    "categories": ("code", "name_zh", "name_en"),
    "attributes": ("name", "type", "label_zh", "label_en"),
    "items": ("code", "category", "name_zh", "name_en", "description", "level", "mechanism", "conditions"),
}
# Fields with a default value: a row with nothing else filled in is an empty row.
_DEFAULTED = {"type", "level", "mechanism"}
_OPTIONAL_TEXT = {"name_en", "description", "label_zh", "label_en"}


# --- messages ------------------------------------------------------------------------------


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"dataset": {"categories": {0: [..]}}}`` → ``{"dataset.categories.0": [..]}``, in the reader's language."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            for path, messages in flatten_errors(value, name).items():
                flat.setdefault(path, []).extend(messages)
    elif isinstance(errors, list | tuple):
        for value in errors:
            if isinstance(value, Mapping | list | tuple):
                for path, messages in flatten_errors(value, prefix).items():
                    flat.setdefault(path, []).extend(messages)
            else:
                flat.setdefault(prefix or "_schema", []).append(reader_text(value))
    elif errors is not None:
        flat.setdefault(prefix or "_schema", []).append(reader_text(errors))
    return flat


class FieldErrors:
    """Errors by field path; ``for_field("dataset.categories")`` gathers those below it too."""

    def __init__(self, flat: Mapping[str, list[str]] | None = None) -> None:
        self.flat = dict(flat or {})

    def __bool__(self) -> bool:
        return bool(self.flat)

    def for_field(self, name: str) -> list[str]:
        found: list[str] = []
        for path, messages in self.flat.items():
            if path == name or path.startswith(name + "."):
                found.extend(m for m in messages if m not in found)
        return found

    def form_level(self) -> list[str]:
        return self.flat.get("_schema", [])

    def summary(self, labels: Mapping[str, str]) -> list[tuple[str, str, list[str]]]:
        """``(field to link to, its label, messages)`` for the error summary, in the form's order.

        ``labels`` names the form's fields; a row field (``items.2.code``) is named after its
        table (``items``) and column (``items.code``): 条目 第3行 · 代码.
        """
        entries: list[tuple[str, str, list[str]]] = []
        seen: dict[str, int] = {}
        for path, messages in self.flat.items():
            if path == "_schema":
                continue
            row = re.match(r"^(categories|attributes|items)\.(\d+)\.([a-z_]+)", path)
            if row:
                anchor = f"{row[1]}.{row[2]}.{row[3]}"
                text = _("%(table)s第%(row)s行 · %(column)s", table=labels.get(row[1], row[1]),
                         row=int(row[2]) + 1, column=labels.get(f"{row[1]}.{row[3]}", row[3]))  # fmt: skip
            else:
                known = [key for key in labels if path == key or path.startswith(key + ".")]
                anchor = max(known, key=len) if known else path
                text = labels.get(anchor) or _("其他填写内容")  # never a raw field path
            if anchor in seen:
                merged = entries[seen[anchor]][2]
                merged.extend(m for m in messages if m not in merged)
                continue
            seen[anchor] = len(entries)
            entries.append((anchor, text, list(messages)))
        order = list(labels)
        entries.sort(key=lambda e: order.index(e[0]) if e[0] in order else len(order))
        return entries

    def merge(self, other: Mapping[str, list[str]]) -> FieldErrors:
        for path, messages in other.items():
            self.flat.setdefault(path, []).extend(messages)
        return self


# --- values --------------------------------------------------------------------------------


def parse_figure(text: str | None, kind: str = "integer") -> Any:
    """A declared attribute's figure: a number, or for a boolean attribute yes/no."""
    if text is None or not text.strip():
        return None
    if kind == "boolean":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text.strip().lower(), text)
    value = parse_count(text.lstrip("-")) if not text.strip().startswith("-") else parse_count(text.strip()[1:])
    if isinstance(value, int | float) and text.strip().startswith("-"):
        value = -value
    return value


def parse_yes_no(text: str | None) -> bool | None:
    """``yes`` → True, ``no`` → False, anything else → None (not answered)."""
    return {"yes": True, "no": False}.get((text or "").strip().lower())


# --- the check form ------------------------------------------------------------------------


def check_request_from_form(form: Any, attributes: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Build a check request (docs/api.md, "Checks") from the check form; missing answers stay missing."""
    request: dict[str, Any] = {"zone": (form.get("zone") or "").strip()}
    if (form.get("on") or "").strip():
        request["on"] = form["on"].strip()
    processor: dict[str, Any] = {}
    for name in ("in_zone", "ciio"):
        answer = parse_yes_no(form.get(f"processor.{name}"))
        if answer is not None:
            processor[name] = answer
    request["processor"] = processor
    dataset: dict[str, Any] = {}
    categories = [c for c in form.getlist("dataset.categories") if c]
    categories += split_codes(form.get("dataset.other_categories"))
    dataset["categories"] = list(dict.fromkeys(categories))
    for name in ("personal_info_subjects", "sensitive_pi_subjects"):
        value = parse_count(form.get(f"dataset.{name}"))
        if value is not None:
            dataset[name] = value
    important = parse_yes_no(form.get("dataset.important_data"))
    if important is not None:
        dataset["important_data"] = important
    figures: dict[str, Any] = {}
    for attribute in attributes:
        value = parse_figure(form.get(f"dataset.attributes.{attribute['name']}"), attribute.get("type", "integer"))
        if value is not None:
            figures[attribute["name"]] = value
    if figures:
        dataset["attributes"] = figures
    request["dataset"] = dataset
    cumulative = {}
    for name in ("personal_info_subjects", "sensitive_pi_subjects"):
        value = parse_count(form.get(f"cumulative.{name}"))
        if value is not None:
            cumulative[name] = value
    if cumulative:
        request["cumulative"] = cumulative
    request["grounds"] = [g for g in form.getlist("grounds") if g]
    return request


# --- the draft editor ----------------------------------------------------------------------


def draft_rows(content: Mapping[str, Any]) -> dict[str, Any]:
    """A version's content as the editor shows it: every value a string."""
    return {
        "version": content.get("version") or "",
        "title": content.get("title") or "",
        "scope": "; ".join(content.get("scope") or []),
        "excludes_ciio": content.get("excludes_ciio", True),
        "items_complete": content.get("items_complete", True),
        "scope_complete": content.get("scope_complete", True),
        "categories": [
            {"code": c.get("code") or "", "name_zh": c.get("name_zh") or "", "name_en": c.get("name_en") or ""}
            for c in content.get("categories") or []
        ],
        "attributes": [
            {
                "name": a.get("name") or "",
                "type": a.get("type") or "integer",
                "label_zh": a.get("label_zh") or "",
                "label_en": a.get("label_en") or "",
            }
            for a in content.get("attributes") or []
        ],
        "items": [
            {
                **{name: (i.get(name) or "") for name in ROW_FIELDS["items"] if name != "conditions"},
                "conditions": format_conditions(i.get("conditions") or []),
            }
            for i in content.get("items") or []
        ],
    }


def blank_row(kind: str) -> dict[str, str]:
    """An empty row of the editor's table ``kind``."""
    row = dict.fromkeys(ROW_FIELDS[kind], "")
    if kind == "attributes":
        row["type"] = "integer"
    return row


def draft_from_form(form: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """Read the draft editor: return (content for the schema, rows to show again, parse errors)."""
    raw_rows: dict[str, dict[int, dict[str, str]]] = {kind: {} for kind in ROW_FIELDS}
    for key in form:
        match = ROW_FIELD.match(key)
        if match and match[3] in ROW_FIELDS[match[1]]:
            raw_rows[match[1]].setdefault(int(match[2]), {})[match[3]] = (form.get(key) or "").strip()
    rows: dict[str, list[dict[str, str]]] = {}
    for kind, by_index in raw_rows.items():
        kept = []
        for index in sorted(by_index):
            row = {**blank_row(kind), **by_index[index]}
            if any(value for name, value in row.items() if name not in _DEFAULTED):
                kept.append(row)
        rows[kind] = kept
    shown = {
        "version": (form.get("version") or "").strip(),
        "title": (form.get("title") or "").strip(),
        "scope": (form.get("scope") or "").strip(),
        "excludes_ciio": form.get("excludes_ciio") == "yes",
        "items_complete": form.get("items_complete") == "yes",
        "scope_complete": form.get("scope_complete") == "yes",
        **rows,
    }
    errors: dict[str, list[str]] = {}
    content: dict[str, Any] = {
        "scope": split_codes(shown["scope"]),
        "excludes_ciio": shown["excludes_ciio"],
        "items_complete": shown["items_complete"],
        "scope_complete": shown["scope_complete"],
    }
    if shown["title"]:
        content["title"] = shown["title"]
    if shown["version"]:
        content["version"] = shown["version"]

    def cells(row: dict[str, str], names: Iterable[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in names:
            value = row.get(name, "")
            if value:
                out[name] = value
            elif name in _OPTIONAL_TEXT:
                out[name] = None
        return out

    content["categories"] = [cells(row, ROW_FIELDS["categories"]) for row in rows["categories"]]
    content["attributes"] = [cells(row, ROW_FIELDS["attributes"]) for row in rows["attributes"]]
    items = []
    for index, row in enumerate(rows["items"]):
        item = cells(row, [n for n in ROW_FIELDS["items"] if n != "conditions"])
        conditions = []
        for part in split_conditions(row.get("conditions", "")):
            try:
                conditions.append(parse_condition(part, handwritten=True))
            except ValueError:
                errors.setdefault(f"items.{index}.conditions", []).append(
                    _("无法识别的条件“%(text)s”：应写作“属性 运算符 数值”，例如 personal_info_subjects >= 100000。",
                      text=part)
                )  # fmt: skip
        item["conditions"] = conditions
        items.append(item)
    content["items"] = items
    return content, shown, errors
