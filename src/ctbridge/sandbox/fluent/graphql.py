"""A small GraphQL parser and executor: enough of the language for an emulator's operations.

Supports queries and mutations, variables (with defaults and non-null checks), aliases,
arguments of every literal kind, nested selections, fragments and `__typename`. Resolvers
return plain dicts; a dict value that is callable is a field with arguments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(
    r"""(?P<skip>[\s,]+|\#[^\n]*)
      |(?P<spread>\.\.\.)
      |(?P<punct>[!$():=@\[\]{}|&])
      |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      |(?P<block>\"\"\"(?:.|\n)*?\"\"\")
      |(?P<string>"(?:[^"\\\n]|\\.)*")
      |(?P<name>[_A-Za-z][_0-9A-Za-z]*)""",
    re.VERBOSE,
)


class GraphQLError(Exception):
    """An error reported in the response's `errors` list."""

    def __init__(
        self,
        message: str,
        *,
        classification: str = "DataFetchingException",
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.classification = classification
        self.code = code

    def as_dict(self, path: list[str] | None = None) -> dict[str, Any]:
        extensions: dict[str, Any] = {"classification": self.classification}
        if self.code:
            extensions["code"] = self.code
        error: dict[str, Any] = {"message": self.message, "locations": [], "extensions": extensions}
        if path is not None:
            error["path"] = path
        return error


def validation_error(message: str) -> GraphQLError:
    return GraphQLError(message, classification="ValidationError")


@dataclass
class Variable:
    name: str


@dataclass
class Field:
    name: str
    alias: str
    arguments: dict[str, Any] = field(default_factory=dict)
    selections: list[Any] | None = None


@dataclass
class FragmentSpread:
    name: str


@dataclass
class InlineFragment:
    selections: list[Any]


@dataclass
class VariableDefinition:
    name: str
    type: str
    default: Any = None
    has_default: bool = False


@dataclass
class Operation:
    kind: str
    name: str | None
    variables: list[VariableDefinition]
    selections: list[Any]
    fragments: dict[str, list[Any]] = field(default_factory=dict)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(source):
            match = TOKEN.match(source, position)
            if match is None:
                raise GraphQLError(
                    f"Invalid Syntax : offending token '{source[position]}'",
                    classification="InvalidSyntax",
                )
            position = match.end()
            kind = match.lastgroup or ""
            if kind != "skip":
                self.tokens.append((kind, match.group()))
        self.index = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("eof", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token_kind, token = self.peek()
        if (value is not None and token != value) or (kind is not None and token_kind != kind):
            raise GraphQLError(
                f"Invalid Syntax : offending token '{token or '<EOF>'}'",
                classification="InvalidSyntax",
            )
        self.index += 1
        return token

    def accept(self, value: str) -> bool:
        if self.peek()[1] == value and self.peek()[0] in ("punct", "spread", "name"):
            self.index += 1
            return True
        return False

    def document(self, operation_name: str | None) -> Operation:
        operations: list[Operation] = []
        fragments: dict[str, list[Any]] = {}
        while self.peek()[0] != "eof":
            if self.peek()[1] == "fragment":
                self.take("fragment")
                name = self.take(kind="name")
                self.take("on")
                self.take(kind="name")
                fragments[name] = self.selection_set()
            else:
                operations.append(self.operation())
        if not operations:
            raise validation_error("No operation in the document")
        chosen = operations[0]
        if operation_name:
            named = [op for op in operations if op.name == operation_name]
            if not named:
                raise validation_error(f"Unknown operation named '{operation_name}'")
            chosen = named[0]
        chosen.fragments = fragments
        return chosen

    def operation(self) -> Operation:
        if self.peek()[1] == "{":
            return Operation("query", None, [], self.selection_set())
        kind = self.take(kind="name")
        if kind not in ("query", "mutation", "subscription"):
            raise GraphQLError(
                f"Invalid Syntax : offending token '{kind}'", classification="InvalidSyntax"
            )
        name = self.take(kind="name") if self.peek()[0] == "name" else None
        variables: list[VariableDefinition] = []
        if self.accept("("):
            while not self.accept(")"):
                self.take("$")
                var_name = self.take(kind="name")
                self.take(":")
                var_type = self.type_ref()
                definition = VariableDefinition(var_name, var_type)
                if self.accept("="):
                    definition.default = self.value(constant=True)
                    definition.has_default = True
                variables.append(definition)
        self.directives()
        return Operation(kind, name, variables, self.selection_set())

    def type_ref(self) -> str:
        if self.accept("["):
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")
        if self.accept("!"):
            text += "!"
        return text

    def directives(self) -> None:
        while self.accept("@"):
            self.take(kind="name")
            if self.peek()[1] == "(":
                self.arguments()

    def selection_set(self) -> list[Any]:
        self.take("{")
        selections: list[Any] = []
        while not self.accept("}"):
            if self.accept("..."):
                if self.peek()[1] == "on":
                    self.take("on")
                    self.take(kind="name")
                    self.directives()
                    selections.append(InlineFragment(self.selection_set()))
                elif self.peek()[1] == "{":
                    selections.append(InlineFragment(self.selection_set()))
                else:
                    selections.append(FragmentSpread(self.take(kind="name")))
                    self.directives()
                continue
            name = self.take(kind="name")
            alias = name
            if self.accept(":"):
                name = self.take(kind="name")
            arguments = self.arguments() if self.peek()[1] == "(" else {}
            self.directives()
            children = self.selection_set() if self.peek()[1] == "{" else None
            selections.append(Field(name, alias, arguments, children))
        return selections

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        arguments: dict[str, Any] = {}
        while not self.accept(")"):
            name = self.take(kind="name")
            self.take(":")
            arguments[name] = self.value(constant=False)
        return arguments

    def value(self, *, constant: bool) -> Any:
        kind, text = self.peek()
        if text == "$" and not constant:
            self.take("$")
            return Variable(self.take(kind="name"))
        if text == "[":
            self.take("[")
            items = []
            while not self.accept("]"):
                items.append(self.value(constant=constant))
            return items
        if text == "{":
            self.take("{")
            obj = {}
            while not self.accept("}"):
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value(constant=constant)
            return obj
        self.index += 1
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return text[3:-3]
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, text)
        raise GraphQLError(
            f"Invalid Syntax : offending token '{text}'", classification="InvalidSyntax"
        )


def parse(document: str, operation_name: str | None = None) -> Operation:
    return _Parser(document).document(operation_name)


Resolver = Callable[[dict[str, Any]], Any]


@dataclass
class Schema:
    """Root fields by operation kind; each resolver takes the coerced arguments."""

    query: dict[str, Resolver] = field(default_factory=dict)
    mutation: dict[str, Resolver] = field(default_factory=dict)


def execute(
    schema: Schema,
    document: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """Runs a document and returns the response body (`data` and, if any, `errors`)."""
    try:
        operation = parse(document, operation_name)
        values = _coerce_variables(operation, variables or {})
    except GraphQLError as error:
        return {"errors": [error.as_dict()], "data": None}
    roots = schema.mutation if operation.kind == "mutation" else schema.query
    fields = _flatten(operation.selections, operation.fragments)
    for selection in fields:
        if selection.name not in roots and selection.name != "__typename":
            error = validation_error(
                f"Validation error of type FieldUndefined: Field '{selection.name}' in type "
                f"'{operation.kind.capitalize()}' is undefined"
            )
            return {"errors": [error.as_dict()], "data": None}
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for selection in fields:
        if selection.name == "__typename":
            data[selection.alias] = operation.kind.capitalize()
            continue
        arguments = _substitute(selection.arguments, values)
        try:
            result = roots[selection.name](arguments)
            data[selection.alias] = _project(
                result, selection.selections, operation.fragments, values
            )
        except GraphQLError as error:
            data[selection.alias] = None
            errors.append(error.as_dict([selection.alias]))
    body: dict[str, Any] = {"data": data}
    if errors:
        body["errors"] = errors
    return body


def _coerce_variables(operation: Operation, given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for definition in operation.variables:
        if definition.name in given:
            values[definition.name] = given[definition.name]
        elif definition.has_default:
            values[definition.name] = definition.default
        if definition.type.endswith("!") and values.get(definition.name) is None:
            raise validation_error(
                f"Variable '{definition.name}' has an invalid value: Variable "
                f"'{definition.name}' has coerced Null value for NonNull type '{definition.type}'"
            )
    return values


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    return value


def _flatten(selections: list[Any], fragments: dict[str, list[Any]]) -> list[Field]:
    fields: list[Field] = []
    for selection in selections:
        if isinstance(selection, Field):
            fields.append(selection)
        elif isinstance(selection, InlineFragment):
            fields.extend(_flatten(selection.selections, fragments))
        elif isinstance(selection, FragmentSpread):
            if selection.name not in fragments:
                raise validation_error(f"Undefined fragment {selection.name}")
            fields.extend(_flatten(fragments[selection.name], fragments))
    return fields


def _project(
    value: Any,
    selections: list[Any] | None,
    fragments: dict[str, list[Any]],
    variables: dict[str, Any],
) -> Any:
    if value is None or selections is None:
        return value
    if isinstance(value, list):
        return [_project(item, selections, fragments, variables) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for selection in _flatten(selections, fragments):
        if selection.name == "__typename":
            result[selection.alias] = value.get("__typename")
            continue
        child = value.get(selection.name)
        if callable(child):
            child = child(_substitute(selection.arguments, variables))
        result[selection.alias] = _project(child, selection.selections, fragments, variables)
    return result
