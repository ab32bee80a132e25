import pytest

from openvre.datalake.errors import InvalidRSEExpression
from openvre.datalake.rse_expression import (
    EMPTY_RESULT,
    AllRSEs,
    AttributeBound,
    AttributeEquals,
    Attributes,
    Chain,
    Tag,
    parse_expression,
    resolve_rse_expression,
)

# The fixture of Rucio's tests/test_rse_expression_parser.py: five RSEs with a text attribute, a
# numeric one and two tags.
RSES: dict[str, Attributes] = {
    "RSE1": {"country": "at", "num": 10, "TAG1": True, "type": "DISK"},
    "RSE2": {"country": "de", "num": 20, "TAG1": True, "type": "DISK"},
    "RSE3": {"country": "fr", "num": 30, "TAG1": True, "type": "TAPE", "istape": True},
    "RSE4": {"country": "uk", "num": 40, "TAG2": True, "type": "DISK", "istape": False},
    "RSE5": {"country": "us", "num": 50, "TAG2": True, "type": "DISK", "freespace": "n/a"},
}


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("RSE1", ["RSE1"]),
        ("country=uk", ["RSE4"]),
        ("*", ["RSE1", "RSE2", "RSE3", "RSE4", "RSE5"]),
        ("TAG1", ["RSE1", "RSE2", "RSE3"]),
        ("(TAG1)", ["RSE1", "RSE2", "RSE3"]),
        ("TAG1|TAG2", ["RSE1", "RSE2", "RSE3", "RSE4", "RSE5"]),
        ("TAG1\\RSE3", ["RSE1", "RSE2"]),
        ("TAG2&country=uk", ["RSE4"]),
        ("TAG1\\RSE3|country=fr", ["RSE1", "RSE2", "RSE3"]),
        ("TAG1\\(RSE3|country=fr)", ["RSE1", "RSE2"]),
        ("(TAG1|TAG2)\\TAG2|TAG2&TAG1", ["RSE1", "RSE2", "RSE3"]),
        ("(((((TAG1))))|country=us)&TAG2|(country=at|country=de)", ["RSE1", "RSE2", "RSE5"]),
        ("(*)&country=at", ["RSE1"]),
        ("num<11", ["RSE1"]),
        ("num<21", ["RSE1", "RSE2"]),
        ("num>49", ["RSE5"]),
        ("num>30", ["RSE4", "RSE5"]),
    ],
)
def test_rucio_test_suite_cases(expression: str, selected: list[str]) -> None:
    assert resolve_rse_expression(expression, RSES) == selected


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        # Left to right, no precedence: (RSE1|RSE4)&TAG2, not RSE1|(RSE4&TAG2).
        ("RSE1|RSE4&TAG2", ["RSE4"]),
        ("RSE4&TAG2|RSE1", ["RSE1", "RSE4"]),
        ("*\\TAG1&type=DISK", ["RSE4", "RSE5"]),
        ("*\\(TAG1&type=DISK)", ["RSE3", "RSE4", "RSE5"]),
    ],
)
def test_operators_apply_left_to_right(expression: str, selected: list[str]) -> None:
    assert resolve_rse_expression(expression, RSES) == selected


def test_a_long_chain_does_not_recurse() -> None:
    assert resolve_rse_expression("|".join(["RSE1", "RSE2"] * 2000), RSES) == ["RSE1", "RSE2"]


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("rse=RSE2", ["RSE2"]),
        ("rse=RSE2|rse=RSE5", ["RSE2", "RSE5"]),
        ("type=DISK", ["RSE1", "RSE2", "RSE4", "RSE5"]),
        ("type=TAPE", ["RSE3"]),
        ("istape", ["RSE3"]),
        ("istape=true", ["RSE3"]),
        ("istape=True", ["RSE3"]),
        ("istape=1", ["RSE3"]),
        ("istape=false", ["RSE4"]),
        ("istape=0", ["RSE4"]),
        ("num=20", ["RSE2"]),
        # Rucio reads a boolean attribute as 1 or 0 in numeric tests.
        ("istape>0", ["RSE3"]),
        ("istape<1", ["RSE4"]),
        ("num>1e1", ["RSE2", "RSE3", "RSE4", "RSE5"]),
        ("num<-5|RSE1", ["RSE1"]),
    ],
)
def test_attribute_tests(expression: str, selected: list[str]) -> None:
    assert resolve_rse_expression(expression, RSES) == selected


def test_text_true_and_false_match_like_booleans() -> None:
    rses: dict[str, Attributes] = {"A": {"cache": "True"}, "B": {"cache": "FALSE"}, "C": {"cache": "yes"}}
    assert resolve_rse_expression("cache", rses) == ["A"]
    assert resolve_rse_expression("cache=false", rses) == ["B"]
    assert resolve_rse_expression("cache=yes", rses) == ["C"]


def test_an_rse_attribute_cannot_rename_it_but_can_drop_its_own_tag() -> None:
    rses: dict[str, Attributes] = {"A": {"rse": "B", "A": False}, "B": {}}
    assert resolve_rse_expression("rse=B", rses) == ["B"]
    assert resolve_rse_expression("B", rses) == ["B"]
    with pytest.raises(InvalidRSEExpression, match="empty set"):
        resolve_rse_expression("A", rses)


@pytest.mark.parametrize(
    "expression",
    ["RSE999", "num<9", "num>51", "country=UK", "freespace>0", "TAG1&TAG2", "num>nan", "rse1"],
)
def test_selecting_nothing_is_an_error(expression: str) -> None:
    with pytest.raises(InvalidRSEExpression) as caught:
        resolve_rse_expression(expression, RSES)
    assert str(caught.value) == EMPTY_RESULT == "RSE Expression resulted in an empty set."
    assert caught.value.field == "rse_expression"


def test_no_rses_at_all_selects_nothing() -> None:
    with pytest.raises(InvalidRSEExpression, match="empty set"):
        resolve_rse_expression("*", {})


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("", "the RSE expression is empty"),
        ("RSE1|", "expected an RSE name.*, at the end of"),
        ("RSE1)", r"this '\)' has no matching '\(', at character 5"),
        ("(RSE1", r"this '\(' is never closed, at character 1"),
        ("((RSE1)", r"this '\(' is never closed, at character 1"),
        ("()", r"expected an RSE name.*, at character 2 \('\)'\)"),
        ("RSE1||RSE2", r"expected an RSE name.*, at character 6 \('\|'\)"),
        ("|RSE1", r"at character 1 \('\|'\)"),
        ("RSE1 | RSE2", r"at character 5 \(spaces are not allowed\)"),
        ("(RSE1 )", r"expected '\|', '&', '\\' or '\)', at character 6 \(spaces"),
        ("RSE1(RSE2)", r"expected '\|', '&' or '\\' between two operands, at character 5"),
        ("*RSE1", "between two operands, at character 2"),
        ("RSE__1", r"'RSE__1' is not an RSE name or tag.*, at character 1"),
        ("RSE1|-RSE2", r"'-RSE2' is not an RSE name or tag.*, at character 6"),
        ("a.b", "'a.b' is not an RSE name or tag"),
        ("num=", r"'num=' needs a value.*, at the end"),
        ("num<", r"'num<' needs a value"),
        ("=x", r"at character 1 \('='\)"),
        ("num<1.5", r"attribute values cannot contain '\.'.*, at character 6"),
        ("num<ten", r"'ten' after '<' is not a number, at character 5"),
        ("RSE1|\0", r"at character 6 \('\\x00'\)"),
        ("(" * 101 + "RSE1" + ")" * 101, r"nested more than 100 deep, at character 101"),
    ],
)
def test_syntax_errors_say_what_and_where(expression: str, message: str) -> None:
    with pytest.raises(InvalidRSEExpression, match=message) as caught:
        parse_expression(expression)
    assert caught.value.field == "rse_expression"


def test_long_expressions_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidRSEExpression) as caught:
        parse_expression("RSE1|" * 100 + "!")
    assert len(str(caught.value)) < 250


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        ("*", AllRSEs()),
        ("RSE1", Tag("RSE1")),
        ("type=DISK", AttributeEquals("type", "DISK")),
        ("-x.y=a_b", AttributeEquals("-x.y", "a_b")),
        ("num<11", AttributeBound("num", "<", 11.0)),
        ("num>-2", AttributeBound("num", ">", -2.0)),
        ("((RSE1))", Tag("RSE1")),
        (
            "A|B&C",
            Chain(Tag("A"), (("|", Tag("B")), ("&", Tag("C")))),
        ),
        (
            "A\\(B|C)",
            Chain(Tag("A"), (("\\", Chain(Tag("B"), (("|", Tag("C")),))),)),
        ),
    ],
)
def test_parse_tree(expression: str, tree: object) -> None:
    assert parse_expression(expression) == tree


def test_an_expression_parsed_once_can_be_applied_to_any_catalog() -> None:
    expression = parse_expression("type=DISK\\RSE1")
    assert sorted(expression.select(RSES)) == ["RSE2", "RSE4", "RSE5"]
    assert expression.select({"RSE1": {"type": "DISK"}}) == set()
