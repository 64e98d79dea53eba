"""Kubernetes resource quantities (`512Mi`, `1.5Gi`, `500m`, `2`, `1e3`) as numbers.

Memory and storage become bytes, cpu becomes cores (`500m` → 0.5). The controller needs
them for resourcesDuration, placement for sizing, and the process provider for cgroup
limits; one parser keeps them agreeing. Grammar: Kubernetes' resource.Quantity
(a signed decimal, then a binary suffix Ki…Ei, a decimal suffix n u m k M G T P E, or
a decimal exponent e/E).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from podfleet.errors import InvalidError

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
}
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)")


def parse_quantity_decimal(value: str | int | float) -> Decimal:
    """The exact value of a quantity; raises InvalidError naming the value when malformed."""
    if isinstance(value, bool):
        raise InvalidError(f"invalid quantity {value!r}")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip()
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise InvalidError(
            f"invalid quantity {value!r}: expected a number with an optional suffix like '500m', '2', '512Mi', '1G'"
        )
    try:
        number = Decimal(match.group(1))
    except InvalidOperation as err:  # pragma: no cover - the regex admits only decimals
        raise InvalidError(f"invalid quantity {value!r}") from err
    suffix = match.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _DECIMAL[suffix]


def parse_quantity(value: str | int | float) -> float:
    """The quantity as a float: bytes for memory (`"512Mi"` → 536870912), cores for cpu (`"500m"` → 0.5)."""
    return float(parse_quantity_decimal(value))


def parse_bytes(value: str | int | float) -> int:
    """A memory/storage quantity in whole bytes, rounded up as Kubernetes does."""
    exact = parse_quantity_decimal(value)
    whole = int(exact)
    return whole + 1 if exact > whole else whole


def parse_cpu_millis(value: str | int | float) -> int:
    """A cpu quantity in millicores, rounded up (`0.1` → 100, `"1"` → 1000)."""
    exact = parse_quantity_decimal(value) * 1000
    whole = int(exact)
    return whole + 1 if exact > whole else whole


__all__ = ["parse_quantity", "parse_quantity_decimal", "parse_bytes", "parse_cpu_millis"]
