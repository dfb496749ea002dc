"""Rows every meterbill database starts with: the fiat pricing units Metronome supports."""

from __future__ import annotations

import uuid

USD_CENTS_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"

# Metronome's supported currencies. USD is denominated in cents ("USD (cents)"); every other
# currency is in whole units and named by its code alone, as Metronome's API returns them.
FIAT_CODES = (
    "USD", "AUD", "BRL", "CAD", "CHF", "CZK", "EUR", "GBP", "INR",
    "MXN", "NGN", "NOK", "PLN", "SEK", "TRY", "ZAR", "NZD", "SGD",
)  # fmt: skip

_NAMESPACE = uuid.UUID("0b7e1c9a-7a4e-4f55-9a53-6d1f3f1c0de1")


def fiat_credit_type_id(code: str) -> str:
    """The fixed id of a fiat pricing unit: Metronome's for USD, a stable UUIDv5 for others."""
    if code == "USD":
        return USD_CENTS_ID
    return str(uuid.uuid5(_NAMESPACE, f"fiat:{code}"))


def fiat_credit_type_name(code: str) -> str:
    """``USD (cents)`` for USD, the bare code for every other currency."""
    return "USD (cents)" if code == "USD" else code


def fiat_rows() -> list[dict[str, object]]:
    """The built-in pricing unit rows (without timestamps)."""
    return [
        {
            "id": fiat_credit_type_id(code),
            "name": fiat_credit_type_name(code),
            "is_currency": True,
            "sort_key": index,
        }
        for index, code in enumerate(FIAT_CODES)
    ]
