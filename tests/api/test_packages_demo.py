"""``meterbill demo``: the Starter Plan story seeds and bills on both backends."""

from __future__ import annotations

from sqlalchemy import Engine

from meterbill.core.invoicing import InvoiceStatus
from meterbill.services import package_demo
from meterbill.storage.uow import UnitOfWork


def test_the_demo_seeds_the_story_once_and_bills_it(engine: Engine) -> None:
    customers = package_demo.run(lambda: UnitOfWork(engine))
    assert [(c.name, c.package_name) for c in customers] == [
        ("Gnome AI", "Starter Plan - October 2025"),
        ("Pixie Labs", "Starter Plan - October 2025"),
        ("Troll Works", "Starter Plan - January 2026"),
    ]
    gnome = customers[0]
    october = min(gnome.invoices, key=lambda i: i.key.starting_at)
    assert october.status is InvoiceStatus.FINALIZED
    credits = [line for line in october.line_items if line.name == "Sign-up credit"]
    assert [line.total for line in credits] == [-1000]
    lines = list(package_demo.describe(customers))
    assert lines[0].startswith("The Starter Plan story")
    again = package_demo.run(lambda: UnitOfWork(engine))
    assert [c.contract_id for c in again] == [c.contract_id for c in customers]
