"""Tokenizer for expr-lang (github.com/expr-lang/expr v1.17), the language of `depends` and `{{= }}`.

It follows expr's lexer: word operators (`and`, `in`, `matches`, `not in` …) are
Operator tokens, `#`/`#index`/`#acc` are closure pointers, numbers take `_`
separators and 0x/0o/0b prefixes, strings take Go escapes, and `//` and `/* */`
are comments. Positions are 0-based character offsets, so errors can point.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from podfleet.errors import ExpressionError

IDENT = "Identifier"
NUMBER = "Number"
STRING = "String"
BYTES = "Bytes"
OPERATOR = "Operator"
BRACKET = "Bracket"
EOF = "EOF"

_WORD_OPERATORS = {"in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
_NEGATABLE = {"in", "matches", "contains", "startsWith", "endsWith"}
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
                   "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str
    pos: int

    def __str__(self) -> str:
        if self.value == "":
            return self.kind
        return f'{self.kind}("{self.value}")'

    def is_(self, kind: str, *values: str) -> bool:
        return self.kind == kind and (not values or self.value in values)


def is_alphabetic(ch: str) -> bool:
    return ch in "_$" or unicodedata.category(ch).startswith("L")


def is_alnum(ch: str) -> bool:
    return is_alphabetic(ch) or unicodedata.category(ch) == "Nd"


def _is_space(ch: str) -> bool:
    return ch in "\t\n\v\f\r \x85\xa0" or unicodedata.category(ch) == "Zs"


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.n = len(source)
        self.i = 0
        self.out: list[Token] = []

    def error(self, reason: str, pos: int) -> ExpressionError:
        return ExpressionError(reason, expression=self.src, position=pos)

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.src[j] if j < self.n else ""

    def run(self) -> list[Token]:
        while True:
            if self.i >= self.n:
                self.out.append(Token(EOF, "", self.n))
                return self.out
            start = self.i
            ch = self.src[self.i]
            self.i += 1
            if _is_space(ch):
                continue
            if ch in "'\"":
                self.out.append(Token(STRING, self.string(ch, start), start))
            elif ch == "`":
                self.out.append(Token(STRING, self.raw_string(start), start))
            elif ch in "bB" and self.peek() in ("'", '"'):
                quote = self.src[self.i]
                self.i += 1
                self.out.append(Token(BYTES, self.string(quote, start), start))
            elif "0" <= ch <= "9":
                self.i = start
                self.number()
            elif ch == "?":
                if self.peek() in (".", "?"):
                    self.i += 1
                self.emit(OPERATOR, start)
            elif ch == "/":
                if self.peek() == "/":
                    while self.i < self.n and self.src[self.i] != "\n":
                        self.i += 1
                elif self.peek() == "*":
                    end = self.src.find("*/", self.i + 1)
                    if end < 0:
                        raise self.error("unclosed comment", start)
                    self.i = end + 2
                else:
                    self.emit(OPERATOR, start)
            elif ch == "#":
                self.emit(OPERATOR, start)
                word_start = self.i
                while self.i < self.n and is_alnum(self.src[self.i]):
                    self.i += 1
                if self.i > word_start:
                    self.emit(IDENT, word_start)
            elif ch in "|:":
                if self.peek() == ch:
                    self.i += 1
                self.emit(OPERATOR, start)
            elif ch in "([{)]}":
                self.emit(BRACKET, start)
            elif ch in ",;%+-^":
                self.emit(OPERATOR, start)
            elif ch in "&!=*<>":
                if self.peek() in ("&", "=", "*"):
                    self.i += 1
                self.emit(OPERATOR, start)
            elif ch == ".":
                if "0" <= self.peek() <= "9":
                    self.i = start
                    self.number()
                else:
                    if self.peek() == ".":
                        self.i += 1
                    self.emit(OPERATOR, start)
            elif is_alnum(ch):
                self.i = start
                self.identifier()
            else:
                raise self.error(f"unrecognized character: U+{ord(ch):04X} '{ch}'", start)

    def emit(self, kind: str, start: int, value: str | None = None) -> None:
        self.out.append(Token(kind, self.src[start:self.i] if value is None else value, start))

    def accept_run(self, chars: str) -> None:
        while self.i < self.n and self.src[self.i] in chars:
            self.i += 1

    def number(self) -> None:
        start = self.i
        digits = "0123456789_"
        if self.peek() == "0":
            self.i += 1
            nxt = self.peek()
            if nxt in ("x", "X"):
                digits = "0123456789abcdefABCDEF_"
                self.i += 1
            elif nxt in ("o", "O"):
                digits = "01234567_"
                self.i += 1
            elif nxt in ("b", "B"):
                digits = "01_"
                self.i += 1
        self.accept_run(digits)
        if self.peek() == ".":
            if self.peek(1) == ".":  # `1..3` is a range, not a float
                self.emit(NUMBER, start)
                return
            self.i += 1
            self.accept_run(digits)
        if self.peek() in ("e", "E") and digits.startswith("0123456789_"):
            self.i += 1
            if self.peek() in ("+", "-"):
                self.i += 1
            self.accept_run(digits)
        if self.peek() and is_alnum(self.peek()):
            self.i += 1
            raise self.error(f'bad number syntax: "{self.src[start:self.i]}"', start)
        self.emit(NUMBER, start)

    def identifier(self) -> None:
        start = self.i
        while self.i < self.n and is_alnum(self.src[self.i]):
            self.i += 1
        word = self.src[start:self.i]
        if word == "not":
            self.emit(OPERATOR, start)
            # `not in`, `not matches` … become two operator tokens; anything else is left alone.
            save = self.i
            while self.i < self.n and _is_space(self.src[self.i]):
                self.i += 1
            ws = self.i
            while self.i < self.n and is_alnum(self.src[self.i]):
                self.i += 1
            if self.src[ws:self.i] in _NEGATABLE:
                self.emit(OPERATOR, ws)
            else:
                self.i = save
        elif word in _WORD_OPERATORS:
            self.emit(OPERATOR, start)
        else:
            self.emit(IDENT, start)

    def string(self, quote: str, start: int) -> str:
        out: list[str] = []
        while True:
            if self.i >= self.n or self.src[self.i] == "\n":
                raise self.error("literal not terminated", start)
            ch = self.src[self.i]
            self.i += 1
            if ch == quote:
                return "".join(out)
            if ch == "\\":
                out.append(self.escape(quote))
            elif ch == "\r":
                out.append("\n")
                if self.peek() == "\n":
                    self.i += 1
            else:
                out.append(ch)

    def escape(self, quote: str) -> str:
        at = self.i - 1
        ch = self.peek()
        self.i += 1
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch]
        if ch in "01234567" and ch:
            return self.code(ch + self.take(2), 8, at)
        if ch == "x":
            return self.code(self.take(2), 16, at)
        if ch == "u" and self.peek() == "{":
            end = self.src.find("}", self.i)
            if end < 0 or end - self.i - 1 > 6:
                raise self.error("invalid char escape", at)
            text = self.src[self.i + 1:end]
            self.i = end + 1
            return self.code(text, 16, at)
        if ch == "u":
            return self.code(self.take(4), 16, at)
        if ch == "U":
            return self.code(self.take(8), 16, at)
        raise self.error("invalid char escape", at)

    def take(self, k: int) -> str:
        text = self.src[self.i:self.i + k]
        self.i += len(text)
        return text

    def code(self, text: str, base: int, at: int) -> str:
        try:
            value = int(text, base)
            if not text.isascii() or "_" in text or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise ValueError(text)
            if base == 8 and value > 255:
                raise ValueError(text)
        except ValueError:
            raise self.error("invalid char escape", at) from None
        return chr(value)

    def raw_string(self, start: int) -> str:
        out: list[str] = []
        while True:
            if self.i >= self.n:
                raise self.error("literal not terminated", start)
            ch = self.src[self.i]
            self.i += 1
            if ch == "`":
                if self.peek() == "`":  # a doubled backtick is a literal one
                    out.append("`")
                    self.i += 1
                    continue
                return "".join(out)
            out.append(ch)


def tokenize(source: str) -> list[Token]:
    """All tokens of `source`, ending with an EOF token; raises ExpressionError on bad input."""
    return _Lexer(source).run()
