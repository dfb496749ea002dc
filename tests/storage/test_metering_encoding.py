"""How events are encoded for the SQL engine agrees with the core's property semantics."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.metering import freeze_json, numeric_value, property_text
from meterbill.storage.repositories.events import (
    decode_properties,
    encode_properties,
    numeric_text,
    sqlite_key,
)
from tests.unit.metering.strategies import json_values, numeric_strings

_numberish = st.one_of(
    numeric_strings(),
    st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{0,12})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.text("-0123456789.eE+ ", max_size=12),
)


@given(_numberish)
def test_numeric_text_is_the_text_of_numeric_value(value: str) -> None:
    number = numeric_value(value)
    assert numeric_text(value) == (None if number is None else format(number, "f"))


@given(st.dictionaries(st.text(max_size=6), json_values(), max_size=5), st.booleans())
def test_encoded_texts_and_numbers_are_the_core_semantics(
    properties: dict[str, object], sqlite: bool
) -> None:
    raw, texts, numbers = encode_properties(properties, sqlite=sqlite)  # type: ignore[arg-type]
    key = sqlite_key if sqlite else (lambda name: name)
    expected_texts = {
        key(name): property_text(value)  # type: ignore[arg-type]
        for name, value in properties.items()
        if value is not None
    }
    assert json.loads(texts) == expected_texts
    expected_numbers = {}
    for name, value in properties.items():
        number = numeric_value(value)  # type: ignore[arg-type]
        if number is not None:
            expected_numbers[key(name)] = format(number, "f")
    assert (json.loads(numbers) if numbers else {}) == expected_numbers
    decoded = decode_properties(raw)
    assert decoded.keys() == properties.keys()
    for name, value in properties.items():
        assert property_text(freeze_json(decoded[name])) == property_text(value)  # type: ignore[arg-type]


def test_sqlite_keys_keep_identifiers_and_hex_encode_the_rest() -> None:
    assert sqlite_key("region") == "region"
    assert sqlite_key("a.b") == "~" + b"a.b".hex()
    assert Decimal(numeric_text("-0.000") or "1") == 0
