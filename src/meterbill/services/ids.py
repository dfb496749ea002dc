"""Identifiers: random UUIDs, like Metronome's."""

import uuid


def new_id() -> str:
    return str(uuid.uuid4())
