"""What a request handler gets: the engine, the clock and the settings, from the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from meterbill.clock import Clock
from meterbill.config import Settings
from meterbill.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class AppContext:
    """Shared by every request of one app instance."""

    engine: Engine
    clock: Clock
    settings: Settings

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work (not yet entered)."""
        return UnitOfWork(self.engine, read_only=read_only)


def _context(request: Request) -> AppContext:
    context = request.app.state.context
    assert isinstance(context, AppContext)
    return context


Context = Annotated[AppContext, Depends(_context)]
