"""Search filters: the wire's Python-literal ``filters``, the CLI's filter strings, and value coercion."""

from datetime import UTC, datetime

import pytest

from openvre.datalake.errors import InvalidMetadata, InvalidObject, UnsupportedOperation
from openvre.datalake.filters import (
    Criterion,
    FilterGroup,
    Operator,
    filter_groups,
    parse_filter_string,
    parse_filters,
)


def only(groups: list[FilterGroup]) -> dict[tuple[str, Operator], object]:
    assert len(groups) == 1
    return {(c.key, c.operator): c.value for c in groups[0].criteria}


def test_the_clients_python_literal_is_parsed() -> None:
    # Exactly what rucio-clients 41.5.1 sends for `rucio did list 'user.root:*' --filter type=all`.
    groups = parse_filters("[{'type': 'all', 'name': '*'}]")
    assert groups == [FilterGroup(criteria=(), did_type="all")]  # a lone '*' constrains nothing


def test_json_is_accepted_too() -> None:
    groups = parse_filters('[{"name": "run*", "flag": true, "length.gte": 2}]')
    assert only(groups) == {("name", Operator.EQ): "run*", ("flag", Operator.EQ): True, ("length", Operator.GTE): 2}


def test_groups_are_ored_and_a_single_dict_is_one_group() -> None:
    assert len(parse_filters("[{'name': 'a'}, {'name': 'b'}]")) == 2
    assert only(parse_filters("{'name': 'a'}")) == {("name", Operator.EQ): "a"}


@pytest.mark.parametrize(
    ("suffix", "operator"),
    [("", Operator.EQ), (".ne", Operator.NE), (".gt", Operator.GT), (".gte", Operator.GTE), (".lt", Operator.LT)],
)
def test_operator_suffixes(suffix: str, operator: Operator) -> None:
    assert only(filter_groups([{f"bytes{suffix}": "10"}])) == {("bytes", operator): 10}


def test_created_before_and_after_are_date_ranges() -> None:
    after, before = "2026-01-02 03:04:05", "Sat, 21 Nov 2026 23:17:41 UTC"
    groups = filter_groups([{"created_after": after, "created_before": before}])
    assert only(groups) == {
        ("created_at", Operator.GTE): datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        ("created_at", Operator.LTE): datetime(2026, 11, 21, 23, 17, 41, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("12", 12),
        ("-3", -3),
        ("1.5e3", 1500.0),
        ("2026-11-21T23:17:41", datetime(2026, 11, 21, 23, 17, 41, tzinfo=UTC)),
        ("2026-11-21T23:17:41.250000Z", datetime(2026, 11, 21, 23, 17, 41, 250000, tzinfo=UTC)),
        ("v1.2", "v1.2"),
        ("nan", "nan"),
        ("1_000", "1_000"),
    ],
)
def test_metadata_values_are_coerced_as_rucio_does(text: str, value: object) -> None:
    assert only(filter_groups([{"key": text}])) == {("key", Operator.EQ): value}


def test_bools_keep_a_canonical_text_for_comparing_stored_text() -> None:
    (criterion,) = filter_groups([{"flag": "True"}])[0].criteria
    assert criterion == Criterion("flag", Operator.EQ, True, "true")


def test_name_is_never_coerced() -> None:
    assert only(filter_groups([{"name": "2026"}])) == {("name", Operator.EQ): "2026"}


def test_type_inside_a_group_is_that_groups_type() -> None:
    groups = filter_groups([{"type": "FILE", "name": "a*"}, {"name": "b*"}])
    assert [group.did_type for group in groups] == ["file", None]


def test_unknown_type_is_unsupported_operation_as_in_rucio() -> None:
    with pytest.raises(UnsupportedOperation, match="'bogus' is not a valid type; valid types are all, collection"):
        filter_groups([{"type": "bogus"}])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"length": "two"}, "'length' in group 1 is not usable: give a whole number"),
        ({"created_at.gt": "yesterday"}, "give a date such as '2026-11-21 23:17:41'"),
        ({"is_open": "maybe"}, "give true or false"),
        ({"name": 5}, "give text"),
        ({"key": [1, 2]}, "give text, a number, true/false or a date"),
        ({"name.gt": "a"}, "a name can only be compared with '=' or '!='"),
        ({"bytes.gt": "1*"}, "wildcards only work with '=' or '!=' on text keys"),
        ({"key.gt": "a*"}, "wildcards only work with '=' or '!='"),
        ({"key.between": 1}, "unknown operator; use one of .ne, .gt, .gte, .lt, .lte or none"),
        ({"key.": 1}, "unknown operator"),
        ({"type.ne": "file"}, "'type' can only be compared with '='"),
        ({"monotonic": "true"}, "cannot search on 'monotonic'"),
        ({"created_at.gte": "2026-01-01 00:00:00", "created_after": "2026-01-01 00:00:00"}, "compares 'created_at'"),
    ],
)
def test_mistakes_say_what_to_write_instead(filters: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidObject, match=message):
        filter_groups([filters])


def test_a_metadata_key_must_be_a_valid_key() -> None:
    with pytest.raises(InvalidMetadata, match="invalid metadata key '9lives'"):
        filter_groups([{"9lives": "x"}])


@pytest.mark.parametrize(
    "raw", ["name=*", "[{'name': open('/etc/passwd')}]", "[{'a': 1}", "__import__('os')", "x" * 10_001, "(" * 5000]
)
def test_unreadable_filters_are_invalid_object(raw: str) -> None:
    with pytest.raises(InvalidObject):
        parse_filters(raw)


def test_filters_must_be_a_list_of_dicts() -> None:
    with pytest.raises(InvalidObject, match="filters must be a list of dicts"):
        parse_filters("['name']")


def test_wildcard_patterns_accept_rucios_percent() -> None:
    (criterion,) = filter_groups([{"name": "run%v1"}])[0].criteria
    assert criterion.pattern == "run*v1"
    (plain,) = filter_groups([{"name": "run"}])[0].criteria
    assert plain.pattern is None


# --- the CLI's filter strings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("type=file,length>0", [{"type": "file", "length.gt": "0"}]),
        ("project=demo", [{"project": "demo"}]),
        ("a==1;b!=2", [{"a": "1"}, {"b.ne": "2"}]),
        ("x<=1, y >= 2", [{"x.lte": "1", "y.gte": "2"}]),
        ("1<length<5", [{"length.gt": "1", "length.lt": "5"}]),
        ("1<=length<=5", [{"length.gte": "1", "length.lte": "5"}]),
        ("5>length>1", [{"length.lt": "5", "length.gt": "1"}]),
        ("when=2026-01-01 10:00:00", [{"when": "2026-01-01 10:00:00"}]),
        ("", []),
        (" ; ", []),
    ],
)
def test_cli_filter_strings(text: str, expected: list[dict[str, str]]) -> None:
    assert parse_filter_string(text) == expected


@pytest.mark.parametrize("text", ["length", "=1", "a=", "1=length<5", "a=b=c", "a=>1"])
def test_unreadable_cli_filters_show_the_syntax(text: str) -> None:
    with pytest.raises(InvalidObject, match="write key=value"):
        parse_filter_string(text)


def test_cli_filter_repeating_a_comparison_is_refused() -> None:
    with pytest.raises(InvalidObject, match=r"repeats 'a.gt'"):
        parse_filter_string("a>1,a>2")


def test_cli_filters_type_like_the_wire_filters() -> None:
    groups = filter_groups(parse_filter_string("type=all,1<length<5;project=demo"))
    assert [group.did_type for group in groups] == ["all", None]
    assert {(c.key, c.operator): c.value for c in groups[0].criteria} == {
        ("length", Operator.GT): 1,
        ("length", Operator.LT): 5,
    }
