"""govaluate, the expression language of Argo's `when` (github.com/Knetic/govaluate).

Argo substitutes `{{ }}` tags first, then hands the text to govaluate and turns
every bare word (a govaluate VARIABLE) into a string literal, so `heads == heads`
is true and `foo != bar` needs no quotes. To decide the same steps Argo decides,
this module reproduces govaluate's own quirks rather than a tidier grammar:

* the lexer reads a run of symbol characters as one operator, so `5>-3` is the
  invalid token `>-` while `5 > -3` is fine, and `my-value` is `my - value`;
* a single or a double quote ends any string (`"it's"` is not one string);
* numbers are float64; words containing `.` are struct accessors;
* tokens are checked against govaluate's table of which kind may follow which;
* all operators of one precedence are left-associative, `?`, `:` and `??` share
  one level (`a ? b : c` is `(a ? b) : c`), and tokens left over after a
  complete expression are ignored, as govaluate's planner ignores them.

Quoted strings that look like dates are dates in govaluate (compared as Unix
seconds). The RFC 3339 / ISO 8601 layouts are supported here; the ANSIC, Unix,
Ruby and Kitchen layouts are not (they stay strings). Zone-less dates are taken
as UTC, as in a controller pod.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from podfleet.errors import ExpressionError
from podfleet.expressions.gocompat import go_repr
from podfleet.expressions.govaluate_eval import Evaluator, Pattern, Stage

_MODIFIERS = {"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"}
_LOGICAL = {"&&", "||"}
_COMPARATORS = {"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"}
_TERNARY = {"?", ":", "??"}
_PREFIX = {"-", "!", "~"}

_VALUES = ("NUMERIC", "BOOLEAN", "VARIABLE", "FUNCTION", "ACCESSOR", "STRING")
# Which token kind may follow which (govaluate's lexer states). None stands for the start.
_NEXT: dict[str | None, frozenset[str]] = {
    None: frozenset({"PREFIX", *_VALUES, "PATTERN", "TIME", "CLAUSE"}),
    "CLAUSE": frozenset({"PREFIX", *_VALUES, "PATTERN", "TIME", "CLAUSE", "CLAUSE_CLOSE"}),
    "CLAUSE_CLOSE": frozenset({"COMPARATOR", "MODIFIER", "NUMERIC", "BOOLEAN", "VARIABLE", "STRING",
                               "PATTERN", "TIME", "CLAUSE", "CLAUSE_CLOSE", "LOGICALOP", "TERNARY",
                               "SEPARATOR"}),
    "NUMERIC": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "TERNARY", "SEPARATOR"}),
    "BOOLEAN": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "TERNARY", "SEPARATOR"}),
    "STRING": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "TERNARY", "SEPARATOR"}),
    "VARIABLE": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "TERNARY", "SEPARATOR"}),
    "TIME": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "SEPARATOR"}),
    "PATTERN": frozenset({"MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "SEPARATOR"}),
    "MODIFIER": frozenset({"PREFIX", "NUMERIC", "VARIABLE", "FUNCTION", "ACCESSOR", "STRING", "BOOLEAN",
                           "CLAUSE", "CLAUSE_CLOSE"}),
    "COMPARATOR": frozenset({"PREFIX", *_VALUES, "TIME", "CLAUSE", "CLAUSE_CLOSE", "PATTERN"}),
    "LOGICALOP": frozenset({"PREFIX", *_VALUES, "TIME", "CLAUSE", "CLAUSE_CLOSE"}),
    "PREFIX": frozenset({"NUMERIC", "BOOLEAN", "VARIABLE", "FUNCTION", "ACCESSOR", "CLAUSE", "CLAUSE_CLOSE"}),
    "TERNARY": frozenset({"PREFIX", *_VALUES, "TIME", "CLAUSE", "SEPARATOR"}),
    "FUNCTION": frozenset({"CLAUSE"}),
    "ACCESSOR": frozenset({"CLAUSE", "MODIFIER", "COMPARATOR", "LOGICALOP", "CLAUSE_CLOSE", "TERNARY",
                           "SEPARATOR"}),
    "SEPARATOR": frozenset({"PREFIX", *_VALUES, "TIME", "CLAUSE"}),
}
_CAN_END = {"CLAUSE_CLOSE", "NUMERIC", "BOOLEAN", "STRING", "TIME", "PATTERN", "VARIABLE", "ACCESSOR"}

# Binary levels, loosest first: (token kind, symbols).
_LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("SEPARATOR", frozenset({","})),
    ("TERNARY", frozenset(_TERNARY)),
    ("LOGICALOP", frozenset({"||"})),
    ("LOGICALOP", frozenset({"&&"})),
    ("COMPARATOR", frozenset(_COMPARATORS)),
    ("MODIFIER", frozenset({"&", "|", "^"})),
    ("MODIFIER", frozenset({"<<", ">>"})),
    ("MODIFIER", frozenset({"+", "-"})),
    ("MODIFIER", frozenset({"*", "/", "%"})),
    ("MODIFIER", frozenset({"**"})),
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: Any
    pos: int


@dataclass(frozen=True, slots=True)
class GovaluateExpr:
    """A parsed govaluate expression: its tokens and its evaluation tree (None when empty)."""

    expression: str
    tokens: tuple[Token, ...]
    root: Stage | None

    def evaluate(self, parameters: Mapping[str, Any] | None = None) -> Any:
        return Evaluator(self.expression, parameters or {}).run(self.root)


# ---------------------------------------------------------------- lexing

def _is_space(ch: str) -> bool:
    return ch in "\t\n\v\f\r \x85\xa0" or unicodedata.category(ch) == "Zs"


def _is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_symbol_char(ch: str) -> bool:
    return not (_is_digit(ch) or _is_letter(ch) or ch in "()[]'\"")


def _is_variable_char(ch: str) -> bool:
    return _is_letter(ch) or _is_digit(ch) or ch in "_."


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.n = len(text)

    def error(self, reason: str, pos: int) -> ExpressionError:
        return ExpressionError(reason, expression=self.text, position=pos)

    def read_while(self, cond: Any, *, break_on_space: bool, escapes: bool) -> tuple[str, bool]:
        """govaluate's readUntilFalse: returns (text, stopped_by_condition_or_space)."""
        out: list[str] = []
        while self.i < self.n:
            ch = self.text[self.i]
            self.i += 1
            if escapes and ch == "\\":
                if self.i >= self.n:
                    return "".join(out), False
                out.append(self.text[self.i])
                self.i += 1
                continue
            if _is_space(ch) and break_on_space and out:
                return "".join(out), True
            if _is_space(ch) and break_on_space:
                continue
            if cond(ch):
                out.append(ch)
            else:
                self.i -= 1
                return "".join(out), True
        return "".join(out), False

    def tokens(self) -> list[Token]:
        result: list[Token] = []
        prev: str | None = None
        while self.i < self.n:
            ch = self.text[self.i]
            if _is_space(ch):
                self.i += 1
                continue
            tok = self.token(prev)
            result.append(tok)
            prev = tok.kind
        return result

    def token(self, prev: str | None) -> Token:
        start = self.i
        ch = self.text[self.i]
        self.i += 1
        if _is_digit(ch) or ch == ".":
            if ch == "0" and self.i + 1 < self.n and self.text[self.i] == "x":
                self.i += 1
                digits, _ = self.read_while(lambda c: c in "0123456789abcdefABCDEF",
                                            break_on_space=True, escapes=True)
                try:
                    value = int(digits, 16)
                    if value >= 2**64:
                        raise ValueError(digits)
                    return Token("NUMERIC", float(value), start)
                except ValueError:
                    raise self.error(f"Unable to parse hex value '{digits}' to uint64", start) from None
            self.i = start
            text, _ = self.read_while(lambda c: _is_digit(c) or c == ".", break_on_space=True, escapes=True)
            if not re.fullmatch(r"[0-9]*\.?[0-9]*", text) or text == ".":
                raise self.error(f"Unable to parse numeric value '{text}' to float64", start)
            return Token("NUMERIC", float(text), start)
        if ch == ",":
            return Token("SEPARATOR", ",", start)
        if ch == "[":
            name, done = self.read_while(lambda c: c != "]", break_on_space=False, escapes=True)
            if not done:
                raise self.error("Unclosed parameter bracket", start)
            self.i += 1
            return Token("VARIABLE", name, start)
        if _is_letter(ch):
            self.i = start
            word, _ = self.read_while(_is_variable_char, break_on_space=True, escapes=True)
            return self.word_token(word, start)
        if ch in "'\"":
            text, done = self.read_while(lambda c: c not in "'\"", break_on_space=False, escapes=True)
            if not done:
                raise self.error("Unclosed string literal", start)
            self.i += 1
            when = _parse_time(text)
            if when is not None:
                return Token("TIME", when, start)
            return Token("STRING", text, start)
        if ch == "(":
            return Token("CLAUSE", "(", start)
        if ch == ")":
            return Token("CLAUSE_CLOSE", ")", start)
        self.i = start
        symbol, _ = self.read_while(_is_symbol_char, break_on_space=True, escapes=True)
        if symbol in _PREFIX and "PREFIX" in _NEXT[prev]:
            return Token("PREFIX", symbol, start)
        for kind, table in (("MODIFIER", _MODIFIERS), ("LOGICALOP", _LOGICAL),
                            ("COMPARATOR", _COMPARATORS), ("TERNARY", _TERNARY)):
            if symbol in table:
                return Token(kind, symbol, start)
        if self.i == start:  # a lone ']' and the like: govaluate reports an empty token
            self.i += 1
        raise self.error(f"Invalid token: '{symbol}'", start)

    def word_token(self, word: str, start: int) -> Token:
        if word in ("true", "false"):
            return Token("BOOLEAN", word == "true", start)
        if word in ("in", "IN"):
            return Token("COMPARATOR", "in", start)
        if "." in word[1:]:
            if word.endswith("."):
                raise self.error(f"Hanging accessor on token '{word}'", start)
            parts = word.split(".")
            for part in parts[1:]:
                if part and part[0].upper() != part[0]:
                    raise self.error(f"Unable to access unexported field '{part}' in token '{word}'", start)
            return Token("ACCESSOR", tuple(parts), start)
        return Token("VARIABLE", word, start)


_TIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:(?P<sep>[T ])(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?")


def _parse_time(text: str) -> float | None:
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    year, month, day, _, hour, minute, second, frac = (m.group(i) for i in range(1, 9))
    sep, zone = m.group("sep"), m.group("zone")
    if sep == " " and (minute is None or zone == "Z"):
        return None  # "2006-01-02 15" and a space with a bare Z are not among govaluate's layouts
    if sep == "T" and zone is None:
        return None
    try:
        tz = _dt.timezone.utc
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = _dt.timezone(sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        when = _dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            int(second or 0), tzinfo=tz)
    except ValueError:
        return None
    # govaluate keeps whole Unix seconds.
    return float(int(when.timestamp()))


# ---------------------------------------------------------------- checking and planning

def _check(text: str, tokens: list[Token]) -> None:
    depth = 0
    for tok in tokens:
        depth += tok.kind == "CLAUSE"
        depth -= tok.kind == "CLAUSE_CLOSE"
    if depth != 0:
        raise ExpressionError("Unbalanced parenthesis", expression=text, position=None)
    prev: Token | None = None
    for tok in tokens:
        if tok.kind not in _NEXT[prev.kind if prev else None]:
            if prev is not None and prev.kind == "VARIABLE" and tok.kind == "CLAUSE":
                raise ExpressionError(f"Undefined function {prev.value}", expression=text, position=prev.pos)
            before = f"{prev.kind if prev else 'UNKNOWN'} [{_show(prev.value) if prev else '<nil>'}]"
            raise ExpressionError(f"Cannot transition token types from {before} to {tok.kind} [{_show(tok.value)}]",
                                  expression=text, position=tok.pos)
        prev = tok
    if prev is not None and prev.kind not in _CAN_END:
        raise ExpressionError("Unexpected end of expression", expression=text, position=len(text))


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + " ".join(value) + "]"
    return go_repr(value)


def _compile_patterns(text: str, tokens: list[Token]) -> list[Token]:
    out = list(tokens)
    for i, tok in enumerate(out[:-1]):
        if tok.kind == "COMPARATOR" and tok.value in ("=~", "!~") and out[i + 1].kind == "STRING":
            nxt = out[i + 1]
            try:
                out[i + 1] = Token("PATTERN", Pattern(nxt.value), nxt.pos)
            except ValueError as exc:
                raise ExpressionError(str(exc), expression=text, position=nxt.pos) from None
    return out


class _Planner:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def plan(self, level: int = 0) -> Stage | None:
        if level == len(_LEVELS):
            return self.primary()
        kind, symbols = _LEVELS[level]
        left = self.plan(level + 1)
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.kind != kind or tok.value not in symbols:
                break
            self.i += 1
            right = self.plan(level + 1)
            left = Stage(tok.value, tok.pos, left, right)
        return left

    def primary(self) -> Stage | None:
        if self.i >= len(self.tokens):
            return None
        tok = self.tokens[self.i]
        self.i += 1
        if tok.kind == "ACCESSOR":
            args = None
            if self.i < len(self.tokens) and self.tokens[self.i].kind == "CLAUSE":
                args = self.plan(0)
            return Stage("ACCESSOR", tok.pos, None, args, tok.value)
        if tok.kind == "CLAUSE":
            inner = self.plan(0)
            self.i += 1  # govaluate skips one token here, trusting it is the ')'
            return Stage("NOOP", tok.pos, None, inner)
        if tok.kind == "CLAUSE_CLOSE":
            self.i -= 1
            return None
        if tok.kind == "VARIABLE":
            return Stage("VARIABLE", tok.pos, value=tok.value)
        if tok.kind in ("NUMERIC", "STRING", "PATTERN", "BOOLEAN", "TIME"):
            return Stage("LITERAL", tok.pos, value=tok.value)
        if tok.kind == "PREFIX":
            return Stage("prefix" + tok.value, tok.pos, None, self.primary())
        raise ExpressionError(f"Unable to plan token kind: '{tok.kind}', value: '{_show(tok.value)}'",
                              expression=self.text, position=tok.pos)


def _build(text: str, tokens: list[Token]) -> GovaluateExpr:
    _check(text, tokens)
    tokens = _compile_patterns(text, tokens)
    root = _Planner(text, tokens).plan() if tokens else None
    return GovaluateExpr(text, tuple(tokens), root)


@lru_cache(maxsize=4096)
def parse(expression: str) -> GovaluateExpr:
    """Parse a govaluate expression; raises ExpressionError with govaluate's wording."""
    try:
        return _build(expression, _Lexer(expression).tokens())
    except RecursionError:
        raise ExpressionError("expression is nested too deeply", expression=expression) from None


@lru_cache(maxsize=4096)
def _parse_when(expression: str) -> GovaluateExpr:
    try:
        parsed = parse(expression)
    except ExpressionError as exc:
        hint = " (hint: try wrapping the affected expression in quotes (\"))" if "Invalid token" in exc.reason else ""
        raise ExpressionError(f"Invalid 'when' expression '{expression}': {exc.reason}{hint}",
                              expression=expression, position=exc.position) from None
    # Argo's shouldExecute: every VARIABLE token becomes a STRING literal, then re-plans.
    tokens = [Token("STRING", t.value, t.pos) if t.kind == "VARIABLE" else t for t in parsed.tokens]
    try:
        return _build(expression, tokens)
    except ExpressionError as exc:
        raise ExpressionError(f"Failed to parse 'when' expression '{expression}': {exc.reason}",
                              expression=expression, position=exc.position) from None
    except RecursionError:
        raise ExpressionError("expression is nested too deeply", expression=expression) from None


def evaluate(expression: str, parameters: Mapping[str, Any] | None = None) -> Any:
    """Evaluate with govaluate semantics; numbers come back as float."""
    return parse(expression).evaluate(parameters)


def evaluate_when(expression: str) -> bool:
    """Argo's `when` (shouldExecute): bare words are strings, the result must be a bool; empty is true."""
    if expression == "":
        return True
    parsed = _parse_when(expression)
    try:
        result = parsed.evaluate(None)
    except ExpressionError as exc:
        # "expresion" is Argo's spelling; users grep for the message they know.
        raise ExpressionError(f"Failed to evaluate 'when' expresion '{expression}': {exc.reason}",
                              expression=expression, position=exc.position) from None
    if not isinstance(result, bool):
        raise ExpressionError(f"Expected boolean evaluation for '{expression}'. Got {go_repr(result)}"
                              " (did not evaluate to a boolean)", expression=expression)
    return result
