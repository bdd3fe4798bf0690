"""The fast paths validate exactly as the schemas do (hypothesis, random valid and invalid requests).

For any batch dataset or single check request: the fast path either vouches for it with the very
dict the schema's ``load`` returns, or leaves it to the schema; so the API (fast path, then the
schema for what it leaves) answers each request, errors included, as the schema alone does.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from registry.checks.engine import GROUNDS, ORDER_IN_FORCE_FROM
from registry.checks.fastload import plain_valid_check, plain_valid_dataset
from registry.checks.schemas import BatchDatasetSchema, CheckRequestSchema
from registry.fields import LARGEST_FIGURE

SCHEMA = BatchDatasetSchema()
CHECK_SCHEMA = CheckRequestSchema()

# Values near every edge the schema draws, and values of the wrong type for each field.
counts = st.one_of(
    st.integers(min_value=0, max_value=2_000_000),
    st.sampled_from([0, 1, 99_999, 100_000, LARGEST_FIGURE, LARGEST_FIGURE + 1, -1]),
    st.sampled_from([1.0, 2.5, float("nan"), True, False, "3", None, [1]]),
)
codes = st.one_of(
    st.sampled_from(["AUTO", "AUTO.VEH", "AUTO.VEH.TRACK.GPS", "HR", "S0.C0.D0.X", "a-b_c.9", "A" * 128]),
    st.sampled_from(["", "AUTO.", ".AUTO", "AUTO..VEH", "AUTO VEH", "AUTO\n", "车辆", "A" * 129, "A\x00"]),
    st.from_regex(r"[A-Za-z0-9_.\-]{1,12}", fullmatch=True),
    st.integers(),
    st.none(),
)
labels = st.one_of(st.none(), st.text(max_size=210), st.sampled_from(["x" * 200, "x" * 201, "a\x00b"]), st.integers())
figures = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-LARGEST_FIGURE - 2, max_value=LARGEST_FIGURE + 2),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3), st.lists(st.integers(), max_size=1),
)  # fmt: skip
attribute_names = st.one_of(st.sampled_from(["vehicle_count", "x" * 64, "x" * 65, "", "a\x00"]), st.text(max_size=5))
grounds = st.lists(st.one_of(st.sampled_from(GROUNDS), st.sampled_from(["", "marketing ", "MARKETING", 3, None])),
                   max_size=3)  # fmt: skip


@st.composite
def cumulatives(draw: st.DrawFn, pi: Any, sensitive: Any) -> Any:
    """Mostly consistent with the dataset's own figures, sometimes not, sometimes malformed."""
    kinds = ["above", "equal", "one_below", "random", "missing_key", "extra_key", "not_a_dict", "null"]
    kind = draw(st.sampled_from(kinds))
    if kind == "null":
        return None
    if kind == "not_a_dict":
        return draw(st.sampled_from([[], "x", 5]))
    if kind in ("above", "equal", "one_below") and isinstance(pi, int) and isinstance(sensitive, int):
        extra = draw(st.integers(min_value=1, max_value=1000)) if kind == "above" else 0
        value = {"personal_info_subjects": pi + extra, "sensitive_pi_subjects": sensitive + extra}
        if kind == "one_below":
            value[draw(st.sampled_from(sorted(value)))] -= 1
    else:
        value = {"personal_info_subjects": draw(counts), "sensitive_pi_subjects": draw(counts)}
    if kind == "missing_key":
        value.pop(draw(st.sampled_from(sorted(value))))
    if kind == "extra_key":
        value["people"] = 1
    return value


valid_codes = st.one_of(st.sampled_from(["AUTO", "AUTO.VEH", "HR", "S0.C0.D0.X", "a-b_c.9", "A" * 128]),
                        st.from_regex(r"[A-Za-z0-9_-]{1,5}(\.[A-Za-z0-9_-]{1,5}){0,3}", fullmatch=True))  # fmt: skip
valid_figures = st.one_of(st.none(), st.booleans(), st.integers(min_value=-LARGEST_FIGURE, max_value=LARGEST_FIGURE))


@st.composite
def valid_datasets(draw: st.DrawFn) -> dict[str, Any]:
    """A dataset the schema accepts, with each optional field present or not."""
    pi = draw(st.one_of(st.integers(min_value=0, max_value=2_000_000), st.just(0)))
    sensitive = draw(st.sampled_from([0, 0, 5, 20_000]))
    dataset: dict[str, Any] = {
        "categories": draw(st.lists(valid_codes, min_size=1, max_size=3)),
        "personal_info_subjects": pi,
        "sensitive_pi_subjects": sensitive,
        "important_data": draw(st.booleans()),
    }
    if pi or sensitive or draw(st.booleans()):
        extra = draw(st.integers(min_value=0, max_value=1000))
        dataset["cumulative"] = {"personal_info_subjects": pi + extra, "sensitive_pi_subjects": sensitive + extra}
    optional = {
        "label": st.one_of(st.none(), st.text(max_size=200).filter(lambda t: "\x00" not in t)),
        "attributes": st.dictionaries(st.from_regex(r"[a-z_]{1,64}", fullmatch=True), valid_figures, max_size=3),
        "grounds": st.lists(st.sampled_from(GROUNDS), max_size=3),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            dataset[name] = draw(strategy)
    return dataset


@st.composite
def datasets(draw: st.DrawFn) -> Any:
    """A dataset a client might send: valid half the time, else one field wrong, missing or extra."""
    if draw(st.integers(min_value=0, max_value=30)) == 0:
        return draw(st.sampled_from([None, "a dataset", 3, [], [{"categories": ["A"]}]]))
    dataset = draw(valid_datasets())
    if draw(st.booleans()):
        return dataset
    wrong = {
        "categories": st.one_of(st.lists(codes, min_size=1, max_size=3), st.sampled_from([[], "AUTO", None]),
                                st.just(["A"] * 201), st.just(["A"] * 200)),
        "personal_info_subjects": counts,
        "sensitive_pi_subjects": counts,
        "important_data": st.sampled_from([None, 0, 1, "false"]),
        "label": labels,
        "attributes": st.one_of(st.dictionaries(attribute_names, figures, min_size=1, max_size=3),
                                st.sampled_from([None, [], 1])),
        "cumulative": cumulatives(dataset["personal_info_subjects"], dataset["sensitive_pi_subjects"]),
        "grounds": st.one_of(grounds, st.sampled_from([None, "marketing"])),
        "unknown_field": st.integers(),
    }  # fmt: skip
    name = draw(st.sampled_from([*sorted(wrong), "cumulative", "cumulative"]))  # its rules span two fields
    if name in dataset and draw(st.integers(min_value=0, max_value=4)) == 0:
        del dataset[name]  # a field missing, required or not
    else:
        dataset[name] = draw(wrong[name])
    return dataset


def _schema_only(raw: Any) -> tuple[str, Any]:
    try:
        return "valid", SCHEMA.load(raw)
    except ValidationError as error:
        return "invalid", error.normalized_messages()


def _fast_then_schema(raw: Any) -> tuple[str, Any]:
    """What ``run_batch`` does: the fast path, and the schema for anything it leaves."""
    loaded = plain_valid_dataset(raw)
    return ("valid", loaded) if loaded is not None else _schema_only(raw)


VALID = {"categories": ["AUTO.VEH"], "personal_info_subjects": 10, "sensitive_pi_subjects": 0, "important_data": False,
         "cumulative": {"personal_info_subjects": 10, "sensitive_pi_subjects": 0}}  # fmt: skip


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
@example(VALID)
@example(VALID | {"attributes": {"vehicle_count": 2.0, "flag": True, "none": None, "half": 0.5}})
@example(VALID | {"personal_info_subjects": 10.0})
@example(VALID | {"cumulative": {"personal_info_subjects": 9, "sensitive_pi_subjects": 0}})
@example(VALID | {"sensitive_pi_subjects": 5, "cumulative": {"personal_info_subjects": 10, "sensitive_pi_subjects": 4}})
@example(VALID | {"label": "x\x00"})
def test_the_fast_path_answers_as_the_schema_alone(raw):
    fast = plain_valid_dataset(raw)
    if fast is not None:
        assert _schema_only(raw) == ("valid", fast), "the fast path vouched for what the schema loads otherwise"
    assert _fast_then_schema(raw) == _schema_only(raw)


def test_the_random_datasets_reach_both_paths():
    """The property above means something only if the fast path takes many datasets and leaves many."""
    found = {"fast": 0, "schema valid": 0, "invalid": 0}

    @settings(max_examples=600, deadline=None, database=None)
    @given(datasets())
    def count(raw):
        if plain_valid_dataset(raw) is not None:
            found["fast"] += 1
        elif _schema_only(raw)[0] == "valid":
            found["schema valid"] += 1
        else:
            found["invalid"] += 1

    count()
    assert found["fast"] > 200 and found["invalid"] > 100, found


@pytest.mark.parametrize("raw", [VALID, VALID | {"label": "行", "grounds": ["marketing"], "attributes": {"n": 3}}])
def test_a_plain_dataset_takes_the_fast_path(raw):
    assert plain_valid_dataset(raw) == SCHEMA.load(raw)


@st.composite
def check_requests(draw: st.DrawFn) -> Any:
    """A single check request: valid half the time, else one part wrong, missing or extra."""
    dataset = draw(valid_datasets())
    cumulative, own_grounds = dataset.pop("cumulative", None), dataset.pop("grounds", None)
    body: dict[str, Any] = {"zone": draw(st.sampled_from(["CN-TJ-FTZ", "CN-HI-FTP", "Z"])),
                            "processor": {"in_zone": draw(st.booleans()), "ciio": draw(st.booleans())},
                            "dataset": dataset}  # fmt: skip
    for name, value in (("cumulative", cumulative), ("grounds", own_grounds)):
        if value is not None:
            body[name] = value
    if draw(st.booleans()):
        body["on"] = draw(st.one_of(st.none(), st.dates(min_value=ORDER_IN_FORCE_FROM).map(str)))
    if draw(st.booleans()):
        body["processor"]["name"] = draw(st.one_of(st.none(), st.text(max_size=200).filter(lambda t: "\x00" not in t)))
    if draw(st.booleans()):
        return body
    wrong = {
        "zone": st.sampled_from(["", "X" * 16, "X" * 17, None, 3, "a\x00"]),
        "on": st.one_of(st.sampled_from(["2024-03-21", "2024-03-22", "2024-02-30", "20240601", "2024-6-1", "",
                                         "2024-06-01T00:00", 20240601, None]),
                        st.dates().map(str)),
        "processor": st.one_of(
            st.fixed_dictionaries({"in_zone": st.sampled_from([True, 1, "true", None]), "ciio": st.booleans()}),
            st.fixed_dictionaries({"in_zone": st.booleans(), "ciio": st.booleans(), "name": labels}),
            st.fixed_dictionaries({"in_zone": st.booleans()}),
            st.fixed_dictionaries({"in_zone": st.booleans(), "ciio": st.booleans(), "extra": st.integers()}),
            st.sampled_from([None, [], "processor"]),
        ),
        "dataset": st.one_of(datasets(), st.builds(lambda d, k: d | {k: 1}, valid_datasets(),
                                                  st.sampled_from(["cumulative", "grounds", "other"]))),
        "cumulative": cumulatives(dataset["personal_info_subjects"], dataset["sensitive_pi_subjects"]),
        "grounds": st.one_of(grounds, st.sampled_from([None, "marketing"])),
        "unknown_field": st.integers(),
    }  # fmt: skip
    name = draw(st.sampled_from([*sorted(wrong), "cumulative", "dataset"]))
    if name in body and draw(st.integers(min_value=0, max_value=4)) == 0:
        del body[name]
    else:
        body[name] = draw(wrong[name])
    return body


def _check_schema_only(raw: Any) -> tuple[str, Any]:
    try:
        return "valid", CHECK_SCHEMA.load(raw)
    except ValidationError as error:
        return "invalid", error.normalized_messages()


CHECK = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
         "dataset": {k: v for k, v in VALID.items() if k != "cumulative"},
         "cumulative": VALID["cumulative"]}  # fmt: skip


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(check_requests())
@example(CHECK)
@example(CHECK | {"on": "2024-03-22"})
@example(CHECK | {"on": "2024-03-21"})
@example(CHECK | {"dataset": CHECK["dataset"] | {"grounds": []}})
@example(CHECK | {"processor": {"in_zone": True, "ciio": False, "name": "x\x00"}})
def test_the_check_fast_path_answers_as_the_schema_alone(raw):
    fast = plain_valid_check(raw)
    if fast is not None:
        assert _check_schema_only(raw) == ("valid", fast), "the fast path vouched for what the schema loads otherwise"


def test_random_check_requests_reach_both_paths():
    found = {"fast": 0, "left to the schema": 0}

    @settings(max_examples=400, deadline=None, database=None)
    @given(check_requests())
    def count(raw):
        found["fast" if plain_valid_check(raw) is not None else "left to the schema"] += 1

    count()
    assert found["fast"] > 100 and found["left to the schema"] > 100, found
