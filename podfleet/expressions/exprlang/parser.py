"""expr-lang grammar: a precedence-climbing parser producing a small typed AST.

It mirrors expr's own parser (operator table, `not in`, chained comparisons
`1 < x < 3`, pipes `x | f(y)`, predicates with `#`/`.field`, optional chaining,
slices, `let`, `if … {} else {}`), so the same texts parse and fail the same way.
Results are cached per source string: the controller re-evaluates the same
`depends` and `when` texts on every reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from podfleet.errors import ExpressionError
from podfleet.expressions.exprlang.lexer import (
    BRACKET, BYTES, EOF, IDENT, NUMBER, OPERATOR, STRING, Token, is_alnum, is_alphabetic, tokenize,
)

# (precedence, right-associative)
BINARY: dict[str, tuple[int, bool]] = {
    "|": (0, False), "or": (10, False), "||": (10, False), "and": (15, False), "&&": (15, False),
    "==": (20, False), "!=": (20, False), "<": (20, False), ">": (20, False), ">=": (20, False),
    "<=": (20, False), "in": (20, False), "matches": (20, False), "contains": (20, False),
    "startsWith": (20, False), "endsWith": (20, False), "..": (25, False), "+": (30, False),
    "-": (30, False), "*": (60, False), "/": (60, False), "%": (60, False), "**": (100, True),
    "^": (100, True), "??": (500, False),
}
UNARY: dict[str, int] = {"not": 50, "!": 50, "-": 90, "+": 90}
_COMPARISONS = {"<", ">", ">=", "<="}
_NEGATABLE = {"contains", "matches", "startsWith", "endsWith", "in"}

# Functions taking closures; each entry lists (is_predicate, optional) per argument.
PREDICATES: dict[str, tuple[tuple[bool, bool], ...]] = {
    **{name: ((False, False), (True, False)) for name in (
        "all", "none", "any", "one", "filter", "map", "find", "findIndex", "findLast",
        "findLastIndex", "groupBy")},
    "count": ((False, False), (True, True)),
    "sum": ((False, False), (True, True)),
    "sortBy": ((False, False), (True, False), (False, True)),
    "reduce": ((False, False), (True, False), (False, True)),
}
BUILTINS = frozenset({
    "len", "type", "abs", "ceil", "floor", "round", "int", "float", "string", "trim", "trimPrefix",
    "trimSuffix", "upper", "lower", "split", "splitAfter", "replace", "repeat", "join", "indexOf",
    "lastIndexOf", "hasPrefix", "hasSuffix", "max", "min", "mean", "median", "toJSON", "fromJSON",
    "toBase64", "fromBase64", "now", "duration", "date", "timezone", "first", "last", "get", "take",
    "keys", "values", "toPairs", "fromPairs", "reverse", "uniq", "concat", "flatten", "sort",
    "bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr", "bitushr",
}) | frozenset(PREDICATES)
MAX_NODES = 10000


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    name: str  # "" for `#`, "index" for `#index`, "acc" for `#acc`


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    node: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Member(Node):
    node: Node
    prop: Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """An optional chain: a nil reached through `?.` makes the whole chain nil."""

    node: Node


@dataclass(frozen=True, slots=True)
class Slice(Node):
    node: Node
    start: Node | None
    stop: Node | None


@dataclass(frozen=True, slots=True)
class Call(Node):
    callee: Node
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Builtin(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Predicate(Node):
    node: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Array(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    pairs: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Node
    body: Node


@dataclass
class _Parser:
    source: str
    tokens: list[Token]
    i: int = 0
    depth: int = 0
    count: int = 0
    stash: list[Token] = field(default_factory=list)

    @property
    def cur(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> None:
        if self.i < len(self.tokens) - 1:
            self.i += 1

    def fail(self, reason: str, token: Token | None = None) -> ExpressionError:
        tok = token or self.cur
        return ExpressionError(reason, expression=self.source, position=tok.pos)

    def expect(self, kind: str, *values: str) -> Token:
        tok = self.cur
        if not tok.is_(kind, *values):
            raise self.fail(f"unexpected token {tok}")
        self.next()
        return tok

    def node(self, n: Node) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail("compilation failed: expression exceeds maximum allowed nodes")
        return n

    def parse(self) -> Node:
        result = self.sequence()
        if not self.cur.is_(EOF):
            raise self.fail(f"unexpected token {self.cur}")
        return result

    def sequence(self) -> Node:
        nodes = [self.expression(0)]
        while self.cur.is_(OPERATOR, ";"):
            self.next()
            if self.cur.is_(EOF):
                break
            nodes.append(self.expression(0))
        if len(nodes) == 1:
            return nodes[0]
        return self.node(Sequence(nodes[0].pos, tuple(nodes)))

    def expression(self, precedence: int) -> Node:
        if precedence == 0 and self.cur.is_(OPERATOR, "let"):
            return self.let()
        if precedence == 0 and self.cur.is_(OPERATOR, "if"):
            return self.if_else()
        left = self.primary()
        prev_op = ""
        while self.cur.kind == OPERATOR:
            op_tok = self.cur
            negate = op_tok.value == "not"
            if negate:
                nxt = self.tokens[self.i + 1]
                if nxt.value not in _NEGATABLE or nxt.kind != OPERATOR:
                    raise self.fail(f"unexpected token {nxt}", nxt)
                if BINARY[nxt.value][0] < precedence:
                    break
                self.next()
                op_tok = self.cur
            info = BINARY.get(op_tok.value)
            if info is None or info[0] < precedence:
                break
            prec, right_assoc = info
            self.next()
            if op_tok.value == "|":
                ident = self.expect(IDENT)
                left = self.call(ident, [left])
            elif prev_op == "??" and op_tok.value != "??":
                raise self.fail(f"Operator ({op_tok.value}) and coalesce expressions (??) cannot be mixed. "
                                "Wrap either by parentheses.", op_tok)
            elif op_tok.value in _COMPARISONS:
                left = self.comparison(left, op_tok, prec)
            else:
                right = self.expression(prec if right_assoc else prec + 1)
                left = self.node(Binary(op_tok.pos, op_tok.value, left, right))
                if negate:
                    left = self.node(Unary(op_tok.pos, "not", left))
            prev_op = op_tok.value
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: Node, tok: Token, prec: int) -> Node:
        root: Node | None = None
        while True:
            right = self.expression(prec + 1)
            cmp = self.node(Binary(tok.pos, tok.value, left, right))
            root = cmp if root is None else self.node(Binary(tok.pos, "&&", root, cmp))
            left = right
            tok = self.cur
            if not (tok.kind == OPERATOR and tok.value in _COMPARISONS):
                return root
            self.next()

    def let(self) -> Node:
        self.expect(OPERATOR, "let")
        name = self.expect(IDENT)
        self.expect(OPERATOR, "=")
        value = self.expression(0)
        self.expect(OPERATOR, ";")
        body = self.sequence()
        return self.node(Let(name.pos, name.value, value, body))

    def if_else(self) -> Node:
        start = self.cur
        self.next()
        cond = self.expression(0)
        self.expect(BRACKET, "{")
        then = self.sequence()
        self.expect(BRACKET, "}")
        self.expect(OPERATOR, "else")
        if self.cur.is_(OPERATOR, "if"):
            otherwise = self.if_else()
        else:
            self.expect(BRACKET, "{")
            otherwise = self.sequence()
            self.expect(BRACKET, "}")
        return self.node(Conditional(start.pos, cond, then, otherwise))

    def conditional(self, node: Node) -> Node:
        while self.cur.is_(OPERATOR, "?"):
            q = self.cur
            self.next()
            if not self.cur.is_(OPERATOR, ":"):
                then = self.expression(0)
                self.expect(OPERATOR, ":")
                otherwise = self.expression(0)
            else:  # `a ?: b` is `a ? a : b`
                self.next()
                then = node
                otherwise = self.expression(0)
            node = self.node(Conditional(q.pos, node, then, otherwise))
        return node

    def primary(self) -> Node:
        tok = self.cur
        if tok.kind == OPERATOR and tok.value in UNARY:
            self.next()
            inner = self.expression(UNARY[tok.value])
            return self.postfix(self.node(Unary(tok.pos, tok.value, inner)))
        if tok.is_(BRACKET, "("):
            self.next()
            inner = self.sequence()
            self.expect(BRACKET, ")")
            return self.postfix(inner)
        if self.depth > 0 and tok.kind == OPERATOR and tok.value in ("#", "."):
            name = ""
            if tok.value == "#":
                self.next()
                if self.cur.kind == IDENT:
                    name = self.cur.value
                    self.next()
            # A bare `.name` leaves the `.` in place: it becomes a member access on `#`.
            return self.postfix(self.node(Pointer(tok.pos, name)))
        if tok.is_(OPERATOR, "::"):
            self.next()
            ident = self.expect(IDENT)
            return self.postfix(self.call(ident, []))
        return self.secondary()

    def secondary(self) -> Node:
        tok = self.cur
        if tok.kind == IDENT:
            self.next()
            if tok.value in ("true", "false"):
                return self.node(Literal(tok.pos, tok.value == "true"))
            if tok.value == "nil":
                return self.node(Literal(tok.pos, None))
            if self.cur.is_(BRACKET, "("):
                node = self.call(tok, [])
            else:
                node = self.node(Identifier(tok.pos, tok.value))
        elif tok.kind == NUMBER:
            self.next()
            node = self.number(tok)
        elif tok.kind == STRING:
            self.next()
            node = self.node(Literal(tok.pos, tok.value))
        elif tok.kind == BYTES:
            self.next()
            node = self.node(Literal(tok.pos, tok.value.encode("utf-8", "surrogatepass")))
        elif tok.is_(BRACKET, "["):
            node = self.array()
        elif tok.is_(BRACKET, "{"):
            node = self.map_literal()
        else:
            raise self.fail(f"unexpected token {tok}")
        return self.postfix(node)

    def number(self, tok: Token) -> Node:
        text = tok.value.replace("_", "")
        low = text.lower()
        try:
            if low.startswith(("0x", "0o", "0b")):
                value: Any = int(text, 0)
                kind = {"x": "hex", "o": "octal", "b": "binary"}[low[1]]
            elif "." in low or "e" in low:
                value, kind = float(text), "float"
            else:
                value, kind = int(text, 10), "integer"
        except ValueError:
            kind = "hex" if low.startswith("0x") else "binary" if low.startswith("0b") else \
                "octal" if low.startswith("0o") else "float" if ("." in low or "e" in low) else "integer"
            raise self.fail(f'invalid {kind} literal: strconv.Parse: parsing "{text}": invalid syntax', tok) \
                from None
        if isinstance(value, int) and value > 2**63 - 1:
            raise self.fail("integer literal is too large", tok)
        if isinstance(value, float) and value == float("inf"):
            raise self.fail("float literal is too large", tok)
        del kind
        return self.node(Literal(tok.pos, value))

    def call(self, tok: Token, args: list[Node]) -> Node:
        name = tok.value
        if name in PREDICATES:
            self.expect(BRACKET, "(")
            spec = PREDICATES[name][len(args):]
            for i, (is_pred, optional) in enumerate(spec):
                if self.cur.is_(BRACKET, ")"):
                    if optional:
                        break
                    raise self.fail(f"expected at least {len(spec)} arguments")
                if i > 0:
                    self.expect(OPERATOR, ",")
                args.append(self.predicate() if is_pred else self.expression(0))
            if self.cur.is_(OPERATOR, ","):
                self.next()
            self.expect(BRACKET, ")")
            return self.node(Builtin(tok.pos, name, tuple(args)))
        if name in BUILTINS:
            return self.node(Builtin(tok.pos, name, tuple(self.arguments(args))))
        callee = self.node(Identifier(tok.pos, name))
        return self.node(Call(tok.pos, callee, tuple(self.arguments(args))))

    def arguments(self, args: list[Node]) -> list[Node]:
        offset = len(args)
        self.expect(BRACKET, "(")
        while not self.cur.is_(BRACKET, ")"):
            if len(args) > offset:
                self.expect(OPERATOR, ",")
            if self.cur.is_(BRACKET, ")"):
                break
            args.append(self.expression(0))
        self.expect(BRACKET, ")")
        return args

    def predicate(self) -> Node:
        start = self.cur
        braces = start.is_(BRACKET, "{")
        if braces:
            self.next()
        self.depth += 1
        if braces:
            body = self.sequence()
        else:
            body = self.expression(0)
            if self.cur.is_(OPERATOR, ";"):
                raise self.fail("wrap predicate with brackets { and }")
        self.depth -= 1
        if braces:
            self.expect(BRACKET, "}")
        return self.node(Predicate(start.pos, body))

    def array(self) -> Node:
        start = self.expect(BRACKET, "[")
        items: list[Node] = []
        while not self.cur.is_(BRACKET, "]"):
            if items:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "]"):
                    break
            items.append(self.expression(0))
        self.expect(BRACKET, "]")
        return self.node(Array(start.pos, tuple(items)))

    def map_literal(self) -> Node:
        start = self.expect(BRACKET, "{")
        pairs: list[tuple[Node, Node]] = []
        while not self.cur.is_(BRACKET, "}"):
            if pairs:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "}"):
                    break
            tok = self.cur
            if tok.kind in (NUMBER, STRING, IDENT):
                key: Node = self.node(Literal(tok.pos, tok.value))
                self.next()
            elif tok.is_(BRACKET, "("):
                key = self.expression(0)
            else:
                raise self.fail("a map key must be a quoted string, a number, a identifier, or an expression "
                                f"enclosed in parentheses (unexpected token {tok})")
            self.expect(OPERATOR, ":")
            pairs.append((key, self.expression(0)))
        self.expect(BRACKET, "}")
        return self.node(MapLit(start.pos, tuple(pairs)))

    def postfix(self, node: Node) -> Node:
        while self.cur.kind in (OPERATOR, BRACKET):
            tok = self.cur
            if tok.value in (".", "?."):
                optional = tok.value == "?."
                self.next()
                prop = self.cur
                if optional and prop.is_(BRACKET, "["):
                    node = self.index(node, prop, optional=True)
                    continue
                self.next()
                if prop.kind != IDENT and not (prop.kind == OPERATOR and _valid_identifier(prop.value)):
                    raise self.fail("expected name", prop)
                chained = isinstance(node, Chain)
                base = node.node if isinstance(node, Chain) else node
                member: Node = self.node(Member(prop.pos, base, Literal(prop.pos, prop.value), optional))
                if self.cur.is_(BRACKET, "("):
                    member = self.node(Call(prop.pos, member, tuple(self.arguments([]))))
                node = self.node(Chain(prop.pos, member)) if (chained or optional) else member
            elif tok.value == "[":
                node = self.index(node, tok, optional=False)
            else:
                break
        return node

    def index(self, node: Node, tok: Token, *, optional: bool) -> Node:
        self.next()  # past "["
        chained = isinstance(node, Chain)
        base = node.node if isinstance(node, Chain) else node
        if self.cur.is_(OPERATOR, ":"):
            self.next()
            stop = None if self.cur.is_(BRACKET, "]") else self.expression(0)
            self.expect(BRACKET, "]")
            return self.node(Slice(tok.pos, node, None, stop))
        start = self.expression(0)
        if self.cur.is_(OPERATOR, ":"):
            self.next()
            stop = None if self.cur.is_(BRACKET, "]") else self.expression(0)
            self.expect(BRACKET, "]")
            return self.node(Slice(tok.pos, node, start, stop))
        self.expect(BRACKET, "]")
        member: Node = self.node(Member(tok.pos, base, start, optional))
        return self.node(Chain(tok.pos, member)) if (chained or optional) else member


def _valid_identifier(text: str) -> bool:
    return bool(text) and is_alphabetic(text[0]) and all(is_alnum(c) for c in text[1:])


@lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse expr-lang source into an AST; raises ExpressionError(reason, expression, position)."""
    tokens = tokenize(source)
    try:
        return _Parser(source, tokens).parse()
    except RecursionError:
        raise ExpressionError("expression is nested too deeply", expression=source) from None
