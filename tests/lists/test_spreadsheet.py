"""A zone administrator downloads a list version as XLSX or CSV, edits it, and uploads it again."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from registry.lists import spreadsheet
from registry.lists.canonical import CONTENT_FIELDS, content_digest
from registry.lists.schemas import BUILT_IN_FIGURES, ListVersionCreateSchema
from registry.lists.spreadsheet import ImportResult, Problem, export_csv, export_xlsx, import_spreadsheet
from registry.seedfiles import seeds_dir
from tests.factories import tianjin_list

ITEMS = "清单 items"
CATEGORIES = "类别 categories"
LIST = "说明 list"


def beijing_version() -> dict[str, Any]:
    record = json.loads((seeds_dir() / "lists" / "CN-BJ-FTZ--2024.json").read_text(encoding="utf-8"))
    return {"zone": record["zone"], "version": record["version"], **record["content"]}


def exported(version: dict[str, Any], kind: str) -> tuple[bytes, str]:
    if kind == "xlsx":
        return export_xlsx(version), "list.xlsx"
    return export_csv(version).encode("utf-8"), "list.csv"


def edit_xlsx(data: bytes, change: Callable[[Any], None]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_lines(version: dict[str, Any]) -> list[str]:
    return export_csv(version).removeprefix("\ufeff").removesuffix("\r\n").split("\r\n")


def csv_bytes(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


def item_row(lines: list[str], code: str) -> int:
    """The row a spreadsheet program shows for the item ``code`` of an exported CSV."""
    return next(number for number, line in enumerate(lines, start=1) if f",{code}," in line)


def problems_at(result: ImportResult, sheet: str, row: int | None, column: str | None) -> list[Problem]:
    assert result.content is None
    return [p for p in result.problems if (p.sheet, p.row, p.column) == (sheet, row, column)]


def assert_same_content(result: ImportResult, version: dict[str, Any]) -> None:
    assert result.problems == []
    assert result.content is not None
    assert content_digest(result.content) == content_digest(version)
    assert [c["code"] for c in result.content["categories"]] == [c["code"] for c in version["categories"]]
    assert [i["code"] for i in result.content["items"]] == [i["code"] for i in version["items"]]
    assert result.content.get("version") == version.get("version")
    ListVersionCreateSchema().load({"version": "check", **result.content})


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_tianjin_example_survives_a_round_trip(kind: str) -> None:
    version = tianjin_list(zone="CN-TJ-FTZ", status="submitted", digest="ab" * 32, effective_from="2024-05-09")
    version["categories"].append({"code": "FIN", "name_zh": "金融", "name_en": None})  # a category with no items

    result = import_spreadsheet(*exported(version, kind))

    assert_same_content(result, version)
    assert set(result.content) == {"version", *CONTENT_FIELDS}  # zone, status and digest stay informational
    assert result.content["categories"][-1] == {"code": "FIN", "name_zh": "金融", "name_en": None}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_beijing_list_of_record_survives_a_round_trip(kind: str) -> None:
    version = beijing_version()

    result = import_spreadsheet(*exported(version, kind))

    assert_same_content(result, version)
    assert result.content["items_complete"] is False
    assert "重要敏感区城" in result.content["items"][0]["description"]  # the source's typo, kept verbatim


def test_a_file_without_a_version_gives_content_without_one() -> None:
    version = tianjin_list()
    del version["version"]

    for kind in ("xlsx", "csv"):
        result = import_spreadsheet(*exported(version, kind))
        assert_same_content(result, version)
        assert "version" not in result.content


# Text as people type it, with the characters the formats treat specially.
_text = st.text(
    st.one_of(st.characters(exclude_categories=("Cs", "Cc")), st.sampled_from("|\\=+-@'#;:：,\" ")),
    min_size=1,
    max_size=12,
).map(str.strip)
_name = _text.filter(bool)
_optional = st.none() | _name
_segment = st.from_regex(r"[A-Za-z0-9_-]{1,4}", fullmatch=True)
_number = st.integers(-(10**12), 10**12) | st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@st.composite
def list_versions(draw: st.DrawFn) -> dict[str, Any]:
    paths = draw(st.lists(st.lists(_segment, min_size=1, max_size=4), max_size=5))
    codes = list(dict.fromkeys(".".join(path[:depth]) for path in paths for depth in range(1, len(path) + 1)))
    categories = [{"code": code, "name_zh": draw(_name), "name_en": draw(_optional)} for code in codes]
    names = draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), unique=True, max_size=3).map(
            lambda found: [name for name in found if name not in BUILT_IN_FIGURES]
        )
    )
    attributes = [
        {
            "name": name,
            "type": draw(st.sampled_from(["integer", "number", "boolean"])),
            "label_zh": draw(_optional),
            "label_en": draw(_optional),
        }
        for name in names
    ]
    kinds = {**dict.fromkeys(BUILT_IN_FIGURES, "integer"), **{a["name"]: a["type"] for a in attributes}}
    items = []
    item_codes = draw(st.lists(st.from_regex(r"[A-Za-z0-9._-]{1,8}", fullmatch=True), unique=True, max_size=6))
    for code in item_codes if codes else []:
        conditions = []
        for attribute in draw(st.lists(st.sampled_from(sorted(kinds)), max_size=3)):
            if kinds[attribute] == "boolean":
                conditions.append({"attribute": attribute, "op": "==", "value": draw(st.booleans())})
            else:
                op = draw(st.sampled_from([">=", ">", "<=", "<", "=="]))
                conditions.append({"attribute": attribute, "op": op, "value": draw(_number)})
        description = draw(st.none() | st.lists(_name, min_size=1, max_size=3).map("\n".join))
        items.append(
            {
                "code": code,
                "category": draw(st.sampled_from(codes)),
                "name_zh": draw(_name),
                "name_en": draw(_optional),
                "description": description,
                "level": draw(st.sampled_from(list(spreadsheet.LEVEL_LABELS))),
                "mechanism": draw(st.sampled_from(list(spreadsheet.MECHANISM_LABELS))),
                "conditions": conditions,
            }
        )
    version = {
        "title": draw(_name),
        "categories": categories,
        "scope": draw(st.lists(st.sampled_from(codes), unique=True)) if codes else [],
        "excludes_ciio": draw(st.booleans()),
        "items_complete": draw(st.booleans()),
        "attributes": attributes,
        "items": items,
    }
    label = draw(st.none() | st.from_regex(r"[A-Za-z0-9._-]{1,8}", fullmatch=True).filter(lambda v: v not in ".."))
    if label is not None:
        version["version"] = label
    return version


@settings(max_examples=40, deadline=None)
@given(list_versions())
def test_any_valid_content_survives_a_round_trip(version: dict[str, Any]) -> None:
    ListVersionCreateSchema().load({"version": "check", **version})  # the strategy makes valid content

    for kind in ("xlsx", "csv"):
        assert_same_content(import_spreadsheet(*exported(version, kind)), version)


# --- the layout -------------------------------------------------------------------------------


def test_the_workbook_reads_like_a_published_list() -> None:
    workbook = load_workbook(io.BytesIO(export_xlsx(tianjin_list(zone="CN-TJ-FTZ", status="draft"))))

    assert workbook.sheetnames == [ITEMS, CATEGORIES, "属性 attributes", LIST]
    rows = list(workbook[ITEMS].iter_rows(values_only=True))
    assert rows[0] == (
        "领域 sector", "场景 scenario", "数据类别 category", "类别代码 category code", "编号 code", "数据项 item",
        "英文名称 name (en)", "描述 description", "级别 level", "管理要求 mechanism", "触发条件 conditions",
    )  # fmt: skip
    assert rows[1][:4] == ("汽车", "车辆数据", "车辆行驶轨迹", "AUTO.VEH.TRACK")
    assert rows[1][8:] == ("重要数据", "数据出境安全评估", "vehicle_count >= 10000")
    assert rows[2][8:10] == ("个人信息", "个人信息出境标准合同或认证")
    assert rows[3][:4] == ("医药", "基因数据", None, "HEALTH.GENE")  # a depth-2 leaf is its scenario
    facts = dict(list(workbook[LIST].iter_rows(values_only=True))[1:])
    assert facts["适用范围 scope"] == "AUTO; HEALTH"
    assert facts["关键信息基础设施运营者不适用 excludes_ciio"] == "是"
    assert facts["自贸试验区 zone"] == "CN-TJ-FTZ"
    attributes = list(workbook["属性 attributes"].iter_rows(values_only=True))
    assert attributes[1] == ("vehicle_count", "integer", "车辆数", None)


def test_the_csv_starts_with_a_bom_and_the_list_facts() -> None:
    text = export_csv(tianjin_list())

    assert text.startswith("\ufeff# version: 2024\r\n")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert "# excludes_ciio: true" in lines
    assert "# category: AUTO | 汽车 | Automotive" in lines
    assert "# attribute: vehicle_count | integer | 车辆数" in lines


def test_text_that_looks_like_a_formula_stays_text() -> None:
    version = tianjin_list()
    version["items"][0]["description"] = '=HYPERLINK("http://example.com")'
    version["items"][1]["name_zh"] = "-车外视频"

    workbook = load_workbook(io.BytesIO(export_xlsx(version)))
    assert workbook[ITEMS]["H2"].data_type == "s"
    lines = csv_lines(version)
    assert "'=HYPERLINK" in lines[item_row(lines, "AUTO-001") - 1]  # a spreadsheet program shows it, never runs it
    for kind in ("xlsx", "csv"):
        assert_same_content(import_spreadsheet(*exported(version, kind)), version)


# --- what people type -------------------------------------------------------------------------


def hand_written_csv(level: str, mechanism: str, conditions: str, bom: bool = True) -> bytes:
    text = "\r\n".join(
        [
            "# title: 测试清单",
            "# scope: AUTO",
            "# excludes_ciio: 是",
            "# items_complete: 否",
            "# category: AUTO | 汽车",
            "# attribute: vehicle_count",
            ",".join(["类别代码", "编号 code", "item", "级别", "mechanism", "触发条件 conditions"]),
            f'AUTO,A-1,车辆数据,{level},{mechanism},"{conditions}"',
        ]
    )
    return (("\ufeff" if bom else "") + text).encode("utf-8")


@pytest.mark.parametrize(
    ("level", "mechanism"),
    [
        ("重要数据", "数据出境安全评估"),
        ("important_data", "security_assessment"),
        ("IMPORTANT_DATA", "Security_Assessment"),
    ],
)
@pytest.mark.parametrize(
    "conditions",
    ["personal_info_subjects >= 100000; vehicle_count >= 10000", "personal_info_subjects≥100000;vehicle_count>=10,000"],
)
def test_chinese_and_enum_spellings_are_both_accepted(level: str, mechanism: str, conditions: str) -> None:
    result = import_spreadsheet(hand_written_csv(level, mechanism, conditions), "手填.csv")

    assert result.problems == []
    (item,) = result.content["items"]
    assert (item["level"], item["mechanism"]) == ("important_data", "security_assessment")
    assert item["conditions"] == [
        {"attribute": "personal_info_subjects", "op": ">=", "value": 100000},
        {"attribute": "vehicle_count", "op": ">=", "value": 10000},
    ]
    assert (result.content["excludes_ciio"], result.content["items_complete"]) == (True, False)
    assert result.content["attributes"] == [
        {"name": "vehicle_count", "type": "integer", "label_zh": None, "label_en": None}
    ]


def test_csv_needs_no_bom_and_may_come_from_chinese_windows() -> None:
    plain = hand_written_csv("个人信息", "个人信息出境标准合同或认证", "", bom=False)
    gbk = plain.decode("utf-8").encode("gb18030")

    for data in (plain, gbk):
        result = import_spreadsheet(data, "list.csv")
        assert result.problems == []
        assert result.content["items"][0]["name_zh"] == "车辆数据"


def test_xlsx_cells_typed_as_numbers_and_booleans_are_read() -> None:
    def retype(workbook: Any) -> None:
        workbook[ITEMS]["E2"] = 1001  # an item code typed as a number
        facts = workbook[LIST]
        for row in facts.iter_rows(min_row=2):
            if row[0].value == "版本 version":
                row[1].value = 2024.0
            if row[0].value == "条目完整 items_complete":
                row[1].value = False

    result = import_spreadsheet(edit_xlsx(export_xlsx(tianjin_list()), retype), "list.xlsx")

    assert result.problems == []
    assert result.content["items"][0]["code"] == "1001"
    assert result.content["version"] == "2024"
    assert result.content["items_complete"] is False


def test_a_csv_without_category_lines_takes_the_names_from_the_path_columns() -> None:
    lines = [line for line in csv_lines(tianjin_list()) if not line.startswith("# category:")]

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    assert result.problems == []
    assert [(c["code"], c["name_zh"]) for c in result.content["categories"]] == [
        ("AUTO", "汽车"), ("AUTO.VEH", "车辆数据"), ("AUTO.VEH.TRACK", "车辆行驶轨迹"),
        ("AUTO.VEH.IMG", "车外视频图像"), ("HEALTH", "医药"), ("HEALTH.GENE", "基因数据"),
    ]  # fmt: skip


def test_a_category_without_a_name_is_a_problem_when_names_are_derived() -> None:
    lines = [line for line in csv_lines(tianjin_list()) if not line.startswith("# category:")]
    row = item_row(lines, "HEALTH-001")
    lines[row - 1] = lines[row - 1].replace("医药,基因数据,", ",基因数据,")

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    (problem,) = problems_at(result, "list.csv", row, "领域 sector")
    assert "HEALTH" in problem.message


def test_a_path_name_that_contradicts_the_categories_is_a_problem() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(3, 2, "车辆"))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 3, "场景 scenario")
    assert "AUTO.VEH" in problem.message and "车辆数据" in problem.message


# --- problems ---------------------------------------------------------------------------------


def with_fourth_item(**changes: Any) -> dict[str, Any]:
    version = tianjin_list()
    fourth = copy.deepcopy(version["items"][2])
    fourth.update(changes)
    version["items"].append(fourth)
    return version


def test_a_duplicate_item_code_is_reported_at_its_row() -> None:
    version = with_fourth_item(code="AUTO-001")

    result = import_spreadsheet(*exported(version, "xlsx"))
    (problem,) = problems_at(result, ITEMS, 5, "编号 code")
    assert "Duplicate" in problem.message

    lines = csv_lines(version)
    result = import_spreadsheet(csv_bytes(lines), "list.csv")
    assert problems_at(result, "list.csv", len(lines), "编号 code")


def test_an_unknown_level_is_reported_with_the_spellings_allowed() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(3, 9, "一般数据"))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 3, "级别 level")
    assert "important_data" in problem.message and "重要数据" in problem.message


def test_an_undeclared_category_is_reported_at_the_item() -> None:
    version = with_fourth_item(code="FIN-001", category="FIN.BANK")

    for kind, sheet, row in (("xlsx", ITEMS, 5), ("csv", "list.csv", len(csv_lines(version)))):
        result = import_spreadsheet(*exported(version, kind))
        (problem,) = problems_at(result, sheet, row, "类别代码 category code")
        assert "FIN.BANK" in problem.message


@pytest.mark.parametrize("text", ["vehicle_count about 10000", "vehicle_count >= 1万", ">= 5", "vehicle_count => 5"])
def test_condition_text_that_cannot_be_read_is_reported(text: str) -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(2, 11, text))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 2, "触发条件 conditions")
    assert "personal_info_subjects >= 100000" in problem.message  # shows how to write one


def test_a_condition_on_an_undeclared_attribute_is_reported_at_its_cell() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(4, 11, "fleet_size > 5"))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 4, "触发条件 conditions")
    assert problem.message.startswith("condition 1") and "fleet_size" in problem.message


def test_every_problem_of_every_row_is_reported() -> None:
    def spoil(workbook: Any) -> None:
        workbook[ITEMS].cell(2, 9, "高")
        workbook[ITEMS].cell(3, 6).value = None  # 数据项 item
        workbook[ITEMS].cell(4, 11, "personal_info_subjects >> 5")
        workbook[CATEGORIES].cell(3, 1, "AUTO..VEH")

    result = import_spreadsheet(edit_xlsx(export_xlsx(tianjin_list()), spoil), "list.xlsx")

    places = {(p.sheet, p.row, p.column) for p in result.problems}
    assert {
        (ITEMS, 2, "级别 level"),
        (ITEMS, 3, "数据项 item"),
        (ITEMS, 4, "触发条件 conditions"),
        (CATEGORIES, 3, "代码 code"),
    } <= places
    assert result.content is None


def test_a_missing_title_is_reported_on_the_list_sheet() -> None:
    def blank_title(workbook: Any) -> None:
        for row in workbook[LIST].iter_rows(min_row=2):
            if row[0].value == "标题 title":
                row[1].value = "  "

    result = import_spreadsheet(edit_xlsx(export_xlsx(tianjin_list()), blank_title), "list.xlsx")
    (problem,) = problems_at(result, LIST, 3, "内容 value")  # under 版本 version
    assert problem.message.startswith("标题 title")

    lines = [line for line in csv_lines(tianjin_list()) if not line.startswith("# title:")]
    result = import_spreadsheet(csv_bytes(lines), "list.csv")
    (problem,) = problems_at(result, "list.csv", None, None)
    assert problem.message.startswith("# title")


def test_an_undeclared_scope_and_a_reserved_version_are_reported_on_their_rows() -> None:
    version = tianjin_list(version="in-force", scope=["AUTO", "SHIP"])
    lines = csv_lines(version)

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    assert problems_at(result, "list.csv", lines.index("# version: in-force") + 1, None)
    (scope,) = problems_at(result, "list.csv", lines.index("# scope: AUTO; SHIP") + 1, None)
    assert "SHIP" in scope.message


@pytest.mark.parametrize("data", [b"not a workbook", b"PK\x03\x04 truncated zip", b""])
def test_a_file_that_is_not_a_workbook_is_a_problem(data: bytes) -> None:
    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, "list.xlsx", None, None)
    assert "workbook" in problem.message


def test_a_missing_header_is_reported() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].delete_cols(5))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 1, "编号 code")
    assert problem.message == "Missing column."


def test_an_extra_column_is_reported_not_ignored() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(1, 12, "备注 notes"))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 1, "备注 notes")
    assert "Unknown column" in problem.message


def test_a_value_under_no_header_is_reported() -> None:
    data = edit_xlsx(export_xlsx(tianjin_list()), lambda wb: wb[ITEMS].cell(3, 13, "备注"))

    result = import_spreadsheet(data, "list.xlsx")

    (problem,) = problems_at(result, ITEMS, 3, None)
    assert "column M" in problem.message


def test_a_duplicate_header_is_reported() -> None:
    lines = csv_lines(tianjin_list())
    header = next(number for number, line in enumerate(lines, start=1) if line.startswith("领域"))
    lines[header - 1] = lines[header - 1].replace("数据类别 category", "领域")

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    (problem,) = problems_at(result, "list.csv", header, "领域")
    assert "Duplicate" in problem.message


def test_an_empty_sheet_or_file_is_reported() -> None:
    def empty(workbook: Any) -> None:
        workbook.remove(workbook[CATEGORIES])
        workbook.create_sheet(CATEGORIES)

    result = import_spreadsheet(edit_xlsx(export_xlsx(tianjin_list()), empty), "list.xlsx")
    (problem,) = problems_at(result, CATEGORIES, 1, None)
    assert "empty" in problem.message

    result = import_spreadsheet(b"\xef\xbb\xbf", "list.csv")
    assert problems_at(result, "list.csv", None, None)


def test_a_workbook_without_items_or_with_an_unknown_sheet_is_reported() -> None:
    def rename(workbook: Any) -> None:
        workbook[ITEMS].title = "清单 item"

    result = import_spreadsheet(edit_xlsx(export_xlsx(tianjin_list()), rename), "list.xlsx")

    assert problems_at(result, "清单 item", None, None)
    assert problems_at(result, ITEMS, None, None)


def test_unknown_and_repeated_keys_are_reported() -> None:
    lines = csv_lines(tianjin_list())
    lines[1:1] = ["# titel: 清单", "# version: 2025", "a comment without its #"]

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    assert problems_at(result, "list.csv", 2, None)[0].message.startswith("Unknown key")
    assert "twice" in problems_at(result, "list.csv", 3, None)[0].message
    # The third line is no `#` line, so it is read as the header: every real column is then unknown.
    assert problems_at(result, "list.csv", 4, "a comment without its #")


def test_more_items_than_a_list_may_hold_is_reported() -> None:
    lines = csv_lines(tianjin_list())
    template = lines[item_row(lines, "HEALTH-001") - 1]
    lines += [template.replace("HEALTH-001", f"H-{n}") for n in range(spreadsheet.MAX_ITEMS)]
    first_item = item_row(lines, "AUTO-001")

    result = import_spreadsheet(csv_bytes(lines), "list.csv")

    (problem,) = result.problems  # the first row beyond the limit; the rows after it are not read
    assert problem.row == first_item + spreadsheet.MAX_ITEMS and "20,000" in problem.message
    assert result.content is None


def test_problems_read_as_a_place_and_a_message() -> None:
    problem = Problem(ITEMS, 5, "编号 code", "Duplicate code.")

    assert str(problem) == "清单 items, row 5, 编号 code: Duplicate code."


@pytest.mark.parametrize(
    "condition",
    [
        {"attribute": "personal_info_subjects", "op": ">=", "value": 100000},
        {"attribute": "vehicle_count", "op": "<", "value": 2.5},
        {"attribute": "cross_border", "op": "==", "value": True},
        {"attribute": "ratio", "op": "<=", "value": -3},
    ],
)
def test_a_condition_reads_back_as_it_was_written(condition) -> None:
    # One format and one parser for the spreadsheets and the draft editor.
    from registry.lists.conditions import format_condition, parse_condition

    assert parse_condition(format_condition(condition)) == condition
    assert parse_condition(format_condition(condition), handwritten=True) == condition


def test_the_draft_editor_reads_counts_the_way_people_write_them() -> None:
    from registry.lists.conditions import parse_condition

    assert parse_condition("vehicle_count ≥ 1.5万", handwritten=True)["value"] == 15000
    assert parse_condition("vehicle_count = 1,000", handwritten=True) == {
        "attribute": "vehicle_count", "op": "==", "value": 1000,
    }  # fmt: skip
    with pytest.raises(ValueError):
        parse_condition("vehicle_count >= 1万")  # a file's cell keeps to the exported form
