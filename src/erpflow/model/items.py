"""What one batch asks of a target, and what became of each item.

These are plain values: operations build them from validated input, targets
consume them and answer with one :class:`ItemOutcome` per item.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

Status = Literal["created", "updated", "unchanged", "rejected", "sent", "confirmed"]


@dataclass(frozen=True, slots=True)
class UserSpec:
    """An ERP user account, identified by its login."""

    login: str
    name: str
    email: str
    groups: tuple[str, ...] = ()
    source: str = ""
    adopt: bool = False  # the plan lets erpflow manage this account though erpflow did not create it

    @property
    def ref(self) -> str:
        return self.login


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""  # ISO 3166-1 alpha-2, or empty


@dataclass(frozen=True, slots=True)
class PartySpec:
    """A customer or supplier, identified by its legacy id (stored as the party code)."""

    code: str
    name: str
    category: str = ""
    email: str = ""
    phone: str = ""
    vat: str = ""  # an EU VAT number, stored as a party identifier of type eu_vat
    address: Address | None = None
    source: str = ""

    @property
    def ref(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """A product, identified by its legacy id (stored as the product code)."""

    code: str
    name: str
    kind: Literal["goods", "service"] = "goods"
    list_price: Decimal = Decimal(0)
    cost_price: Decimal = Decimal(0)
    uom: str = "u"  # symbol of the unit of measure
    source: str = ""

    @property
    def ref(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class ConfigItem:
    """One configuration item as desired state, identified by its key.

    kind is one of: company, fiscal_year, chart, setting. desired holds the
    values (see erpflow.inputs.plan for each kind's fields).
    """

    key: str
    kind: str
    desired: dict[str, Any]

    @property
    def ref(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A business step of the method, identified by its id; confirmed in advance when the plan says so."""

    step: str
    title: str
    accountable: str
    responsible: tuple[str, ...] = ()
    comment: str = ""  # the plan's confirmation, if any: comment, evidence file and its sha256
    evidence: str = ""
    sha256: str = ""

    @property
    def ref(self) -> str:
        return self.step


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What became of one item: its status, ERP id, reason or changes."""

    ref: str
    status: Status
    erp_id: int | str | None = None
    reason: str = ""
    source: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)  # field -> [before, after]

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, {})}
