"""commercetools query predicates (`where=`): a tokenizer, a parser and an evaluator over JSON dicts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Predicate = Callable[[Any], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<variable>:[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><>|!=|>=|<=|=|<|>)
      | (?P<punct>[(),])
      | (?P<name>[A-Za-z_$][A-Za-z0-9_.$-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "contains"}
# "defined", "empty", "any" and "all" are keywords only where the grammar expects them, so they
# stay usable as field names.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


class PredicateError(ValueError):
    """The predicate text is malformed or uses an unknown variable."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    value: Any = None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise PredicateError(f"unexpected input at position {position}: {text[position:]!r}")
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "string":
            tokens.append(Token("value", raw, _unescape(raw[1:-1])))
        elif kind == "number":
            tokens.append(Token("value", raw, _number(raw)))
        elif kind == "name" and raw.lower() in ("true", "false"):
            tokens.append(Token("value", raw, raw.lower() == "true"))
        elif kind == "name" and raw.lower() in _KEYWORDS:
            tokens.append(Token("keyword", raw.lower()))
        else:
            tokens.append(Token(kind, raw))
        position = match.end()
    return tokens


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", r"\1", body)


def _number(raw: str) -> int | Decimal:
    return int(raw) if re.fullmatch(r"-?\d+", raw) else Decimal(raw)


def parse(text: str, variables: Mapping[str, Sequence[str]] | None = None) -> Predicate:
    """Compile `text` to a function of one resource dict; `variables` hold `var.<name>` values."""
    parser = _Parser(tokenize(text), variables or {})
    predicate = parser.expression()
    if parser.peek() is not None:
        raise PredicateError(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return predicate


def matches_all(predicates: Sequence[Predicate], resource: Any) -> bool:
    return all(predicate(resource) for predicate in predicates)


@dataclass(frozen=True)
class Comparison:
    """`path op operand` (=, !=, <>, <, <=, >, >=), inspectable so a query can use it as a bound."""

    path: tuple[str, ...]
    op: str
    operand: Any
    test: Predicate

    def __call__(self, resource: Any) -> bool:
        return self.test(resource)


@dataclass(frozen=True)
class Conjunction:
    """`a and b and ...`: true when every part is."""

    parts: tuple[Predicate, ...]

    def __call__(self, resource: Any) -> bool:
        return all(part(resource) for part in self.parts)


@dataclass(frozen=True)
class Membership:
    """`path in (values)`, inspectable so a query can narrow its rows to the ids it names."""

    path: tuple[str, ...]
    values: tuple[Any, ...]
    test: Predicate

    def __call__(self, resource: Any) -> bool:
        return self.test(resource)


def conjuncts(predicate: Predicate) -> list[Predicate]:
    """The parts `predicate` ANDs at its top level (itself when it is no conjunction)."""
    if isinstance(predicate, Conjunction):
        return [leaf for part in predicate.parts for leaf in conjuncts(part)]
    return [predicate]


def is_plain_text(operand: Any) -> bool:
    """A string literal compared as text: one that does not look like a date (those compare as dates)."""
    return isinstance(operand, str) and not _ISO_DATE.match(operand)


class _Parser:
    def __init__(self, tokens: list[Token], variables: Mapping[str, Sequence[str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.variables = variables

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise PredicateError("unexpected end of predicate")
        self.position += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind and (text is None or token.text == text):
            self.position += 1
            return True
        return False

    def expect(self, kind: str, text: str | None = None) -> Token:
        token = self.next()
        if token.kind != kind or (text is not None and token.text != text):
            raise PredicateError(f"expected {text or kind}, found {token.text!r}")
        return token

    def expression(self) -> Predicate:
        branches = [self.conjunction()]
        while self.accept("keyword", "or"):
            branches.append(self.conjunction())
        if len(branches) == 1:
            return branches[0]
        return lambda resource: any(branch(resource) for branch in branches)

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.accept("keyword", "and"):
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return Conjunction(tuple(parts))

    def unary(self) -> Predicate:
        if self.accept("keyword", "not"):
            self.expect("punct", "(")
            inner = self.expression()
            self.expect("punct", ")")
            return lambda resource: not inner(resource)
        if self.accept("punct", "("):
            inner = self.expression()
            self.expect("punct", ")")
            return inner
        return self.condition()

    def condition(self) -> Predicate:
        field = self.expect("name").text
        path = field.split(".")
        token = self.next()
        if token.kind == "punct" and token.text == "(":
            inner = self.expression()
            self.expect("punct", ")")
            return _nested(path, inner)
        if token.kind == "op":
            operand = self.operand()
            test = _on_path(path, _comparison(token.text, operand))
            return Comparison(tuple(path), token.text, operand, test)
        if token.kind == "keyword" and token.text == "in":
            values = self.operand_list()
            return Membership(tuple(path), tuple(values), _on_path(path, _member_of(values)))
        if token.kind == "keyword" and token.text == "not":
            self.expect("keyword", "in")
            inside = _on_path(path, _member_of(self.operand_list()))
            return lambda resource: not inside(resource)
        if token.kind == "keyword" and token.text == "is":
            negated = self.accept("keyword", "not")
            state = self.expect("name").text.lower()
            if state == "defined":
                check = _is_defined(path)
            elif state == "empty":
                check = _is_empty(path)
            else:
                raise PredicateError(f"expected 'defined' or 'empty', found {state!r}")
            return (lambda resource: not check(resource)) if negated else check
        if token.kind == "keyword" and token.text == "contains":
            mode = "one"
            word = self.peek()
            if word is not None and word.kind == "name" and word.text.lower() in ("any", "all"):
                mode = self.next().text.lower()
            values = [self.operand()] if mode == "one" else self.operand_list()
            return _contains(path, values, mode)
        raise PredicateError(f"unexpected {token.text!r} after {field!r}")

    def operand(self) -> Any:
        token = self.next()
        if token.kind == "value":
            return token.value
        if token.kind == "variable":
            values = self._variable(token.text[1:])
            return values[0]
        raise PredicateError(f"expected a value, found {token.text!r}")

    def operand_list(self) -> list[Any]:
        if self.peek() is not None and self.peek().kind == "variable":  # type: ignore[union-attr]
            return list(self._variable(self.next().text[1:]))
        self.expect("punct", "(")
        values: list[Any] = []
        while True:
            token = self.peek()
            if token is not None and token.kind == "variable":
                values.extend(self._variable(self.next().text[1:]))
            else:
                values.append(self.operand())
            if self.accept("punct", ")"):
                return values
            self.expect("punct", ",")

    def _variable(self, name: str) -> Sequence[str]:
        values = self.variables.get(name)
        if not values:
            raise PredicateError(f"unknown variable :{name} (pass var.{name}=...)")
        return values


def _values_at(resource: Any, path: list[str]) -> list[Any]:
    """Every value found along `path`; arrays on the way fan out (any element may match)."""
    current = [resource]
    for name in path:
        found: list[Any] = []
        for item in current:
            for element in item if isinstance(item, list) else [item]:
                if isinstance(element, Mapping) and element.get(name) is not None:
                    found.append(element[name])
        current = found
    return current


def _flatten(values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _nested(path: list[str], inner: Predicate) -> Predicate:
    return lambda resource: any(inner(value) for value in _flatten(_values_at(resource, path)))


def _on_path(path: list[str], test: Callable[[Any], bool]) -> Predicate:
    return lambda resource: any(test(value) for value in _flatten(_values_at(resource, path)))


def _is_defined(path: list[str]) -> Predicate:
    return lambda resource: bool(_values_at(resource, path))


def _is_empty(path: list[str]) -> Predicate:
    return lambda resource: any(value == [] for value in _values_at(resource, path))


def _contains(path: list[str], wanted: list[Any], mode: str) -> Predicate:
    def check(resource: Any) -> bool:
        present = _flatten(_values_at(resource, path))
        hits = [any(_equal(value, item) for value in present) for item in wanted]
        return all(hits) if mode in ("one", "all") else any(hits)

    return check


def _comparison(op: str, operand: Any) -> Callable[[Any], bool]:
    if op == "=":
        return lambda value: _equal(value, operand)
    if op in ("!=", "<>"):
        return lambda value: not _equal(value, operand)

    def ordered(value: Any) -> bool:
        pair = _comparable(value, operand)
        if pair is None:
            return False
        left, right = pair
        return {
            ">": left > right,
            "<": left < right,
            ">=": left >= right,
            "<=": left <= right,
        }[op]

    return ordered


def _member_of(values: list[Any]) -> Callable[[Any], bool]:
    """`value in values` with `_equal`'s rules; a text value that is no date equals exactly the
    same text (see `_comparable`), so it is looked up in a set instead of compared one by one."""
    texts = frozenset(item for item in values if isinstance(item, str))

    def member(value: Any) -> bool:
        if is_plain_text(value):
            return value in texts
        return any(_equal(value, item) for item in values)

    return member


def _equal(value: Any, operand: Any) -> bool:
    pair = _comparable(value, operand)
    return pair is not None and pair[0] == pair[1]


def _comparable(value: Any, operand: Any) -> tuple[Any, Any] | None:
    """Bring a stored value and a literal to one comparable type, or None when they cannot meet."""
    if isinstance(value, bool) or isinstance(operand, bool):
        if isinstance(operand, str) and operand in ("true", "false"):
            operand = operand == "true"
        return (value, operand) if isinstance(value, bool) and isinstance(operand, bool) else None
    if isinstance(value, int | float | Decimal):
        number = _as_decimal(operand)
        return (Decimal(str(value)), number) if number is not None else None
    if isinstance(value, str) and isinstance(operand, str):
        if _ISO_DATE.match(value) and _ISO_DATE.match(operand):
            left, right = _as_datetime(value), _as_datetime(operand)
            if left is not None and right is not None:
                return left, right
        return value, operand
    return None


def _as_decimal(operand: Any) -> Decimal | None:
    if isinstance(operand, bool):
        return None
    if isinstance(operand, int | Decimal):
        return Decimal(operand)
    if isinstance(operand, str):
        try:
            return Decimal(operand)
        except InvalidOperation:
            return None
    return None


def _as_datetime(text: str) -> datetime | None:
    normalized = text.replace("Z", "+00:00")
    if "T" not in normalized:
        normalized += "T00:00:00+00:00"
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed
