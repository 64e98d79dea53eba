"""Go's float printing, shared by expressions and templating: `fmt.Sprint`'s `%v`
(shortest digits, exponent from 1e+06 — `1e+06`, not `1000000.0`) and encoding/json's
(exponent below 1e-6 and from 1e21 — `1e-7`). Users see these strings in parameters.
"""

from __future__ import annotations

import math


def _float_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of |value| and where the decimal point goes (finite, non-zero)."""
    text = repr(abs(value))  # repr() is the shortest round-trip form, like Go's strconv -1 precision
    mant, _, e = text.partition("e")
    int_part, _, frac = mant.partition(".")
    digits = int_part + frac
    point = len(int_part) + (int(e) if e else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    return stripped.rstrip("0") or "0", point


def format_float(value: float, *, json_style: bool = False) -> str:
    """Format like Go's `%v` (strconv 'g', shortest) or, with json_style, like encoding/json."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, point = _float_digits(value)
    sign = "-" if value < 0 else ""
    exp = point - 1
    if json_style:
        use_exp = abs(value) < 1e-6 or abs(value) >= 1e21
    else:
        # %v is %g with the shortest precision, which switches to exponent form at 1e+06.
        use_exp = exp < -4 or exp >= 6
    if use_exp:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        esign = "-" if exp < 0 else "+"
        estr = str(abs(exp)) if json_style and exp < 0 else f"{abs(exp):02d}"
        return f"{sign}{mant}e{esign}{estr}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


__all__ = ["format_float"]
