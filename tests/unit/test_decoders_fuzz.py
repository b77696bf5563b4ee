"""Property tests of the request decoders: any input is a dict or a typed InvalidRequest, never
another exception (which the API would answer with a 500)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.forms import MAX_JSON_DEPTH, _json_depth, parse_pairs
from api.params import SessionCreateParams, SessionListParams, parse
from kyc.errors import KycError

# Keys built from the characters that matter to the bracket grammar, plus any unicode.
KEY_CHARS = st.sampled_from(["[", "]", "0", "1", "²", "٣", "a", "expand", "", "\x00", "-"])
bracket_keys = st.lists(KEY_CHARS, max_size=12).map("".join) | st.text(max_size=20)
pairs = st.lists(st.tuples(bracket_keys, st.text(max_size=10)), max_size=8)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(pairs)
def test_form_pairs_decode_or_refuse(items: list[tuple[str, str]]) -> None:
    try:
        decoded = parse_pairs(items)
    except KycError as exc:
        assert exc.http_status == 400
        return
    assert isinstance(decoded, dict)
    for model in (SessionCreateParams, SessionListParams):
        try:
            parse(model, decoded)
        except KycError as exc:
            assert exc.http_status == 400


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_depth_matches_the_parsed_value(value: Any) -> None:
    raw = json.dumps(value).encode()
    assert _json_depth(raw) == depth(value)


def test_unicode_digits_are_not_indices() -> None:
    # '²'.isdigit() is true but int('²') fails: it used to escape as a ValueError (500).
    assert parse_pairs([("expand[²]", "x")]) == {"expand": {"²": "x"}}
    assert parse_pairs([("expand[1]", "b"), ("expand[0]", "a")]) == {"expand": ["a", "b"]}


def test_deep_nesting_is_measured_without_recursion() -> None:
    raw = b"[" * 100_000 + b"]" * 100_000
    assert _json_depth(raw) == 100_000 > MAX_JSON_DEPTH
