"""Custom fields: free-form ``key -> value`` strings attached to entities, by registered key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from meterbill.core.errors import DomainValidationError

MAX_VALUE_LENGTH = 200
MAX_KEY_LENGTH = 200


class CustomFieldEntity(Enum):
    """The entities custom fields can be set on (the SDK's enum, lower case on the wire)."""

    ALERT = "alert"
    BILLABLE_METRIC = "billable_metric"
    CHARGE = "charge"
    COMMIT = "commit"
    CONTRACT_CREDIT = "contract_credit"
    CONTRACT_PRODUCT = "contract_product"
    CONTRACT = "contract"
    CREDIT_GRANT = "credit_grant"
    CUSTOMER_PLAN = "customer_plan"
    CUSTOMER = "customer"
    DISCOUNT = "discount"
    INVOICE = "invoice"
    PLAN = "plan"
    PROFESSIONAL_SERVICE = "professional_service"
    PRODUCT = "product"
    RATE_CARD = "rate_card"
    SCHEDULED_CHARGE = "scheduled_charge"
    SUBSCRIPTION = "subscription"
    PACKAGE_COMMIT = "package_commit"
    PACKAGE_CREDIT = "package_credit"
    PACKAGE_SUBSCRIPTION = "package_subscription"
    PACKAGE_SCHEDULED_CHARGE = "package_scheduled_charge"


# Package terms are templates: their custom fields are fixed at package creation and copied to
# each provisioned contract's terms, where they can then be changed.
IMMUTABLE_ENTITIES = frozenset(
    {
        CustomFieldEntity.PACKAGE_COMMIT,
        CustomFieldEntity.PACKAGE_CREDIT,
        CustomFieldEntity.PACKAGE_SUBSCRIPTION,
        CustomFieldEntity.PACKAGE_SCHEDULED_CHARGE,
    }
)


@dataclass(frozen=True, slots=True)
class CustomFieldKey:
    """A registered key: values may only be set for keys registered on their entity."""

    entity: CustomFieldEntity
    key: str
    enforce_uniqueness: bool


def check_values(
    entity: CustomFieldEntity,
    values: Mapping[str, str],
    registered: Mapping[str, CustomFieldKey],
    *,
    field_name: str = "custom_fields",
) -> None:
    """Refuse values for unregistered keys, and values longer than 200 characters.

    ``registered`` maps key -> registration for ``entity``. Raises ``DomainValidationError``
    naming the offending key.
    """
    for key, value in values.items():
        if key not in registered:
            raise DomainValidationError(
                f"{field_name}.{key}: no custom field key {key!r} is registered for entity "
                f"{entity.value!r} (register it with /v1/customFields/addKey)"
            )
        if len(value) > MAX_VALUE_LENGTH:
            raise DomainValidationError(
                f"{field_name}.{key}: values are limited to {MAX_VALUE_LENGTH} characters"
            )


def check_key(key: str) -> None:
    """A key is 1-200 characters."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainValidationError(f"key: must be 1 to {MAX_KEY_LENGTH} characters")
