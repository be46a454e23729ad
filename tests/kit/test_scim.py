from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)

from dcaas.errors import BadRequest, Code
from dcaas.kit.scim import (
    And,
    Compare,
    FieldKind,
    FilterField,
    Not,
    Op,
    Or,
    Present,
    compile_filter,
    filter_clause,
    parse_filter,
)

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=True),
    Column("qtype", String, nullable=True),
    Column("created", DateTime, nullable=True),
)
FIELDS = {
    "qName": FilterField(items.c.name),
    "qType": FilterField(items.c.qtype),
    "created": FilterField(items.c.created, FieldKind.DATETIME),
}


def utc(year: int, month: int, day: int, *time: int) -> datetime:
    # The column stores naive UTC date-times, as the application's tables do.
    hour, minute, second, micro = (*time, 0, 0, 0, 0)[:4]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC).replace(tzinfo=None)


ROWS = [
    ("alpha", "rest", utc(2000, 1, 1)),
    ("Alphabet", "soap", utc(2000, 1, 10, 15, 4, 5)),
    ("beta", "rest", utc(2000, 1, 10, 15, 4, 6)),
    ("100%", "odbc", utc(2010, 6, 1, 12)),
    ("100x", "odbc", utc(2010, 6, 1, 12, 0, 0, 500000)),
    ("a_b", None, utc(2020, 2, 29, 23, 59, 59)),
    ("axb", "REST", None),
    (None, "folder", utc(2021, 1, 1)),
    ("back\\slash", "rest", utc(2022, 1, 1)),
]
ALL = {name for name, _, _ in ROWS}


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), [{"name": n, "qtype": t, "created": c} for n, t, c in ROWS])
    yield engine
    engine.dispose()


def run(engine: Engine, clause: ColumnElement[bool]) -> set[str | None]:
    with engine.connect() as conn:
        return set(conn.scalars(select(items.c.name).where(clause)))


def names(engine: Engine, text: str) -> set[str | None]:
    return run(engine, filter_clause(text, FIELDS))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('qName eq "alpha"', {"alpha"}),
        ('qName eq "ALPHA"', set()),
        ('qType eq "rest"', {"alpha", "beta", "back\\slash"}),
        ('qName gt "b"', {"beta", "back\\slash"}),
        ('qName ge "beta"', {"beta"}),
        ('qName lt "a"', {"Alphabet", "100%", "100x"}),
        ('qName le "100%"', {"100%"}),
        ("qName eq null", {None}),
        ("qType ne null", ALL - {"a_b"}),
    ],
)
def test_string_comparisons(engine: Engine, text: str, expected: set[str | None]) -> None:
    """eq/gt/ge/lt/le on strings are exact, case-sensitive comparisons; null means IS NULL."""
    assert names(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('qName ne "alpha"', ALL - {"alpha"}),
        ('qType ne "rest"', {"Alphabet", "100%", "100x", "a_b", "axb", None}),
    ],
)
def test_ne_includes_missing_values(engine: Engine, text: str, expected: set[str | None]) -> None:
    """ne matches rows whose attribute is NULL, as SCIM treats a missing attribute."""
    assert names(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('qName co "ALPH"', {"alpha", "Alphabet"}),
        ('qName sw "al"', {"alpha", "Alphabet"}),
        ('qName sw "AL"', {"alpha", "Alphabet"}),
        ('qName ew "BET"', {"Alphabet"}),
        ('qName ew "ta"', {"beta"}),
        ('qType co "Es"', {"alpha", "beta", "axb", "back\\slash"}),
    ],
)
def test_substring_operators_ignore_case(
    engine: Engine, text: str, expected: set[str | None]
) -> None:
    """co/sw/ew match case-insensitively."""
    assert names(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('qName co "%"', {"100%"}),
        ('qName ew "0%"', {"100%"}),
        ('qName co "_"', {"a_b"}),
        ('qName sw "a_"', {"a_b"}),
        ('qName co "\\\\"', {"back\\slash"}),
        ('qName co "k\\\\s"', {"back\\slash"}),
    ],
)
def test_like_metacharacters_are_literal(
    engine: Engine, text: str, expected: set[str | None]
) -> None:
    """%, _ and backslash in co/sw/ew values match themselves, not as LIKE wildcards."""
    assert names(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qType pr and qName pr", ALL - {"a_b", None}),
        ("created pr", ALL - {"axb"}),
        ("qType PR", ALL - {"a_b"}),
    ],
)
def test_present(engine: Engine, text: str, expected: set[str | None]) -> None:
    """pr selects rows where the attribute is not NULL."""
    assert names(engine, text) == expected


def test_and_binds_tighter_than_or(engine: Engine) -> None:
    """a or b and c means a or (b and c)."""
    text = 'qName eq "alpha" or qType eq "rest" and created gt "2000-01-05T00:00:00Z"'
    assert names(engine, text) == {"alpha", "beta", "back\\slash"}


def test_parentheses_override_precedence(engine: Engine) -> None:
    """Parentheses group an or before an and."""
    text = '(qName eq "alpha" or qType eq "rest") and created gt "2000-01-05T00:00:00Z"'
    assert names(engine, text) == {"beta", "back\\slash"}


def test_brief_example_parses_with_and_over_or() -> None:
    """The RFC-style example parses as a or ((b and c) and d)."""
    text = (
        'qName co "abc" or qName sw "dd" and qType eq "rest" and created gt "2000-01-10T15:04:05Z"'
    )
    assert parse_filter(text) == Or(
        (
            Compare("qName", Op.CO, "abc"),
            And(
                (
                    Compare("qName", Op.SW, "dd"),
                    Compare("qType", Op.EQ, "rest"),
                    Compare("created", Op.GT, "2000-01-10T15:04:05Z"),
                )
            ),
        )
    )


def test_parse_values_and_nodes() -> None:
    """Values decode JSON escapes, numbers and literals; not and pr build their nodes."""
    assert parse_filter('a eq "x\\"y\\u00e9"') == Compare("a", Op.EQ, 'x"yé')
    assert parse_filter("a eq -1.5e2") == Compare("a", Op.EQ, -150.0)
    assert parse_filter("a EQ TRUE") == Compare("a", Op.EQ, value=True)
    assert parse_filter("a ne Null") == Compare("a", Op.NE, None)
    assert parse_filter("NOT(a pr)") == Not(Present("a"))
    assert parse_filter('((a eq"x"))') == Compare("a", Op.EQ, "x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('not (qType eq "rest")', {"Alphabet", "100%", "100x", "a_b", "axb", None}),
        ('not qName sw "a"', {"beta", "100%", "100x", None, "back\\slash"}),
        ('not not qName eq "alpha"', {"alpha"}),
        ('not (qName eq "alpha" or qName eq "beta") and qType eq "rest"', {"back\\slash"}),
        ('not created gt "2010-01-01T00:00:00Z"', {"alpha", "Alphabet", "beta", "axb"}),
    ],
)
def test_not_keeps_rows_with_missing_values(
    engine: Engine, text: str, expected: set[str | None]
) -> None:
    """not negates its operand, including rows whose attribute is NULL."""
    assert names(engine, text) == expected


def test_keywords_and_attributes_ignore_case(engine: Engine) -> None:
    """Operators, and/or/not and attribute names are matched case-insensitively."""
    assert names(engine, 'QNAME EQ "alpha" OR qname Eq "beta"') == {"alpha", "beta"}
    assert names(engine, "NoT CREATED Pr") == {"axb"}


def test_exact_attribute_name_wins_over_case_insensitive_match(engine: Engine) -> None:
    """An exact attribute match is preferred to a case-insensitive one."""
    fields = {"qName": FilterField(items.c.name), "qname": FilterField(items.c.qtype)}
    assert run(engine, filter_clause('qname eq "soap"', fields)) == {"Alphabet"}
    assert run(engine, filter_clause('qName eq "beta"', fields)) == {"beta"}


def test_compile_hand_built_node(engine: Engine) -> None:
    """compile_filter accepts nodes built in code, without source positions."""
    node = And((Compare("QNAME", Op.SW, "A"), Not(Compare("qType", Op.EQ, "rest"))))
    assert run(engine, compile_filter(node, FIELDS)) == {"Alphabet", "a_b", "axb"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('created eq "2000-01-10T15:04:05Z"', {"Alphabet"}),
        ('created eq "2000-01-10T17:04:05+02:00"', {"Alphabet"}),
        ('created eq "2000-01-10t15:04:05z"', {"Alphabet"}),
        ('created eq "2000-01-10 15:04:05.000Z"', {"Alphabet"}),
        ('created eq "2000-01-10T15:04:05"', {"Alphabet"}),
        (
            'created gt "2000-01-10T17:04:05+02:00"',
            {"beta", "100%", "100x", "a_b", None, "back\\slash"},
        ),
        ('created lt "2000-01-10T10:04:05-05:00"', {"alpha"}),
        ('created lt "2000-01-10"', {"alpha"}),
        ('created ge "2010-06-01T12:00:00.5Z"', {"100x", "a_b", None, "back\\slash"}),
        ('created le "2010-06-01T14:00:00+02:00"', {"alpha", "Alphabet", "beta", "100%"}),
        ('created ne "2000-01-01T00:00:00Z"', ALL - {"alpha"}),
        ("created eq null", {"axb"}),
    ],
)
def test_datetime_comparisons(engine: Engine, text: str, expected: set[str | None]) -> None:
    """Date-time values are RFC 3339, converted to naive UTC before comparing."""
    assert names(engine, text) == expected


def test_nesting_at_the_limit_is_accepted(engine: Engine) -> None:
    """32 levels of parentheses and not are allowed."""
    assert names(engine, "(" * 32 + 'qName eq "alpha"' + ")" * 32) == {"alpha"}
    assert names(engine, "not " * 32 + 'qName eq "alpha"') == {"alpha"}


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "filter is empty", 0),
        ("  \t ", "filter is empty", 0),
        ('qName eq "abc', "unterminated string at position 9", 9),
        ('qName eq "abc\\"', "unterminated string at position 9", 9),
        (
            'qName foo "x"',
            (
                "unexpected 'foo' at position 6; expected an operator "
                "(eq, ne, co, sw, ew, gt, ge, lt, le, pr)"
            ),
            6,
        ),
        ("qName", "unexpected end of filter at position 5; expected an operator", 5),
        ("qName eq", "unexpected end of filter at position 8; expected a value", 8),
        ("qName eq abc", "unexpected 'abc' at position 9; expected a value", 9),
        ('qName eq "a" and', "end of filter at position 16; expected an attribute name", 16),
        ('qName eq "a" and or qType pr', "unexpected 'or' at position 17; expected an attr", 17),
        ('qName eq "a" qType pr', "unexpected 'qType' at position 13; expected 'and', 'or'", 13),
        ('(qName eq "a"', "expected ')' to close the '(' at position 0", 13),
        ('qName eq "a")', "unexpected ')' at position 12", 12),
        ("()", "unexpected ')' at position 1; expected an attribute name", 1),
        ('qName eq "a\\x"', "invalid escape sequence or control character", 11),
        ('qName eq "tab\there"', "invalid escape sequence or control character", 13),
        ('qName eq "\\u0000"', "contains a NUL or lone surrogate", 9),
        ('qName eq "\\ud800"', "contains a NUL or lone surrogate", 9),
        ('emails[type eq "work"]', "unexpected character '[' at position 6", 6),
        ("qName eq 'x'", 'unexpected character "\'" at position 9', 9),
        ("x" * 2001, "filter is too long: 2001 characters; at most 2000", 2000),
        ("(" * 33 + "a pr" + ")" * 33, "filter nests too deeply at position 32", 32),
        ("not " * 33 + "a pr", "filter nests too deeply at position 128", 128),
    ],
)
def test_syntax_errors(text: str, message: str, position: int) -> None:
    """Malformed filters raise BadRequest INVALID_FILTER naming the problem and its position."""
    with pytest.raises(BadRequest) as caught:
        parse_filter(text)
    assert caught.value.code is Code.INVALID_FILTER
    assert message in caught.value.detail
    assert caught.value.meta == {"field": "filter", "position": position}


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            'bogus eq "x"',
            "unknown attribute 'bogus'; filterable attributes are: created, qName, qType",
            0,
        ),
        ('qName eq "a" or bogus pr', "unknown attribute 'bogus'", 16),
        ("qName eq 5", "value for 'qName' must be a quoted string, not 5", 0),
        ("qName co true", "value for 'qName' must be a quoted string, not true", 0),
        ("qName gt null", "null can only be compared with eq or ne, not gt", 0),
        ('created co "2000"', "operator co does not apply to date-time attribute 'created'", 0),
        (
            'created gt "yesterday"',
            "value for 'created' must be an RFC 3339 date-time such as \"2000-01-10T15:04:05Z\"",
            0,
        ),
        ('created gt "2000-13-01T00:00:00Z"', "'2000-13-01T00:00:00Z' is not a valid", 0),
        ('created gt "0001-01-01T00:00:00+01:00"', "is not a valid date-time", 0),
        ("created gt 20000110", "must be an RFC 3339 date-time", 0),
        ('created gt "2000-01-10T15:04Z"', "must be an RFC 3339 date-time", 0),
    ],
)
def test_semantic_errors(text: str, message: str, position: int) -> None:
    """Filters that parse but do not fit the fields raise BadRequest INVALID_FILTER."""
    with pytest.raises(BadRequest) as caught:
        filter_clause(text, FIELDS)
    assert caught.value.code is Code.INVALID_FILTER
    assert message in caught.value.detail
    assert caught.value.meta == {"field": "filter", "position": position}


def check_never_crashes(engine: Engine, text: str) -> None:
    try:
        clause = filter_clause(text, FIELDS)
    except BadRequest as exc:
        raised = exc
    else:
        run(engine, clause)
        return
    assert raised.code is Code.INVALID_FILTER


@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_bad_request(engine: Engine, text: str) -> None:
    """Any text either compiles to an executable clause or raises BadRequest."""
    check_never_crashes(engine, text)


FILTER_PIECES = [
    "qName",
    "QTYPE",
    "created",
    "bogus",
    " eq ",
    " ne ",
    " co ",
    " gt ",
    " pr",
    " and ",
    " or ",
    "not ",
    "(",
    ")",
    '"',
    '\\"',
    "\\u00",
    "\\",
    "%",
    "_",
    "null",
    "true",
    "-1.5e3",
    "0",
    '"2000-01-10T15:04:05Z"',
    '"2000-01-10T17:04:05+02:00"',
    '"x"',
    " ",
]


@given(st.lists(st.sampled_from(FILTER_PIECES), max_size=40).map("".join))
def test_filter_like_text_only_raises_bad_request(engine: Engine, text: str) -> None:
    """Near-valid filters built from grammar pieces either execute or raise BadRequest."""
    check_never_crashes(engine, text)


FOLDED = {**FIELDS, "qType": FilterField(items.c.qtype, FieldKind.FOLDED)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('qType eq "REST"', {"alpha", "beta", "axb", "back\\slash"}),
        ('qType ne "rest"', {"Alphabet", "100%", "100x", "a_b", None}),
        ('qType co "ES"', {"alpha", "beta", "axb", "back\\slash"}),
        ("qType eq null", {"a_b"}),
    ],
)
def test_folded_fields_compare_without_case(
    engine: Engine, text: str, expected: set[str | None]
) -> None:
    """A FOLDED field's eq, ne and co ignore case on both sides; null stays null."""
    assert run(engine, filter_clause(text, FOLDED)) == expected
