"""How a property value reads as text (filters, groups, UNIQUE) and as a number (SUM, MAX, LATEST).

These two functions are the whole of meterbill's property semantics; a SQL engine must reproduce
them exactly (see ``docs/decisions/metering-property-text.md`` and
``metering-numeric-values.md``).

- :func:`property_text`: ``None`` for an absent or JSON ``null`` property; a string as it is;
  ``true``/``false``; a number as plain decimal text without exponent or trailing fractional
  zeros (``1.50`` -> ``"1.5"``, ``1E+2`` -> ``"100"``, ``-0`` -> ``"0"``); an object or array as
  compact JSON with sorted keys and numbers written the same way.
- :func:`numeric_value`: a JSON number, or a string matching the JSON number grammar exactly
  (``"12"``, ``"-0.5"``, ``"1e3"``; not ``" 12"``, ``"+1"``, ``"1_000"``, ``"NaN"``), within the
  exact range; anything else (booleans included) is ``None``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

JsonValue = None | bool | int | Decimal | str | tuple["JsonValue", ...] | Mapping[str, "JsonValue"]
"""An immutable JSON value: objects are read-only mappings, arrays are tuples."""

# NOTE: the exact range. A number is exact here when no digit lies below 10**MIN_EXPONENT and its
# magnitude is below 10**(MAX_ADJUSTED_EXPONENT + 1), trailing fractional zeros ignored. Sums of up
# to 10**18 such values fit EXACT_DIGITS digits, so aggregation never rounds.
MIN_EXPONENT = -1000
MAX_ADJUSTED_EXPONENT = 1000
EXACT_DIGITS = 2 * 1001 + 20

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)


def decimal_text(value: int | Decimal) -> str:
    """Plain decimal text of a finite number: no exponent, no trailing fractional zeros.

    ``-0`` is written ``"0"``. The caller keeps ``value`` within the exact range (the text of
    ``1E+100000`` would be 100,001 characters long).
    """
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_in_range(value: int | Decimal) -> bool:
    """Whether a JSON number is finite and within the exact range (see module notes)."""
    if isinstance(value, int):
        # bit_length first: str() of a huge int is slow and limited by the interpreter.
        return value.bit_length() <= 3400 and len(str(abs(value))) <= MAX_ADJUSTED_EXPONENT + 1
    if not value.is_finite():
        return False
    if value.is_zero():
        return True
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    lowest_digit = exponent + _trailing_zeros(digits)
    return value.adjusted() <= MAX_ADJUSTED_EXPONENT and lowest_digit >= MIN_EXPONENT


def _trailing_zeros(digits: tuple[int, ...]) -> int:
    count = 0
    for digit in reversed(digits):
        if digit:
            break
        count += 1
    return count


def property_text(value: JsonValue) -> str | None:
    """The text a property value compares as; ``None`` for absent or JSON ``null``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return _canonical_json(value)


def _canonical_json(value: JsonValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return decimal_text(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        return "[" + ",".join(_canonical_json(item) for item in value) + "]"
    items = sorted(value.items())
    return "{" + ",".join(f"{_canonical_json(k)}:{_canonical_json(v)}" for k, v in items) + "}"


def numeric_value(value: JsonValue) -> Decimal | None:
    """The exact number a property value aggregates as, or ``None`` if it is not a number.

    The result carries no trailing fractional zeros (``"2.50"`` -> ``Decimal("2.5")``).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value) if number_in_range(value) else None
    if isinstance(value, str):
        if _JSON_NUMBER.fullmatch(value) is None:
            return None
        try:
            value = Decimal(value)
        except InvalidOperation:  # an exponent beyond what Decimal can hold
            return None
    if isinstance(value, Decimal) and number_in_range(value):
        return Decimal(decimal_text(value))
    return None
