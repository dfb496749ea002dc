"""``POST /v1/contracts/commits/threshold-billing/release``: end an EXTERNAL payment gate.

Metronome's API has this endpoint (the SDK 4.12.0 does not wrap it yet; call it with
``client.post``). meterbill sends no webhooks: the ``workflow_id`` is the pending threshold
commit's id, which the contract's ``commits`` list shows
(``docs/decisions/balances-threshold-billing.md``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.wire import Lower, WireModel
from meterbill.services import threshold_billing as service

router = APIRouter()


class ReleaseIn(WireModel):
    workflow_id: str
    outcome: Annotated[Literal["paid", "failed"], Lower]


@router.post("/v1/contracts/commits/threshold-billing/release")
def release(
    context: Context, body: Annotated[ReleaseIn, Depends(body_of(ReleaseIn))]
) -> WireResponse:
    outcome = service.ReleaseOutcome(body.workflow_id, paid=body.outcome == "paid")
    service.release(context.uow(), context.clock, outcome)
    return WireResponse({})
