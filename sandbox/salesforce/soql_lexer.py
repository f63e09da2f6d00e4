"""Tokenizer for the SOQL subset the sandbox understands, and its Salesforce-shaped error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

MALFORMED_QUERY = "MALFORMED_QUERY"


class SoqlError(Exception):
    """A query Salesforce would refuse; ``str()`` is the message of the 400 answer.

    ``error_code`` is what the REST answer's ``errorCode`` should be (MALFORMED_QUERY unless a
    more specific Salesforce code applies). When the error has a position, the message carries
    the query line, a caret and ``ERROR at Row:r:Column:c`` like the real API.
    """

    def __init__(
        self,
        reason: str,
        *,
        query: str | None = None,
        pos: int | None = None,
        error_code: str = MALFORMED_QUERY,
    ) -> None:
        self.reason = reason
        self.error_code = error_code
        self.row: int | None = None
        self.column: int | None = None
        message = reason
        if query is not None and pos is not None:
            line_start = query.rfind("\n", 0, pos) + 1
            line_end = query.find("\n", pos)
            line = query[line_start : line_end if line_end != -1 else len(query)]
            self.row = query.count("\n", 0, pos) + 1
            self.column = pos - line_start + 1
            caret = " " * (self.column - 1) + "^"
            message = f"\n{line}\n{caret}\nERROR at Row:{self.row}:Column:{self.column}\n{reason}"
        super().__init__(message)


class Kind(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    COLON = ":"
    EOF = "<EOF>"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # as written (for strings: the contents without quotes, undecoded)
    pos: int  # offset of the token's first character in the query
    value: str = ""  # decoded contents of a string literal
    like: str = ""  # a string literal as a regular expression for LIKE (casefolded)

    def shown(self) -> str:
        """The token as Salesforce names it in "unexpected token" messages."""
        return "<EOF>" if self.kind is Kind.EOF else self.text


# Order matters: datetimes and dates before numbers, a malformed datetime before a date.
_SCANNER = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})(?![\w:.]))
  | (?P<baddate>\d{4}-\d{2}-\d{2}[T\w:.+-]+)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),.:])
  | (?P<quote>')
    """,
    re.VERBOSE,
)

_PUNCT = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT, ":": Kind.COLON}
_GROUP_KIND = {
    "datetime": Kind.DATETIME,
    "date": Kind.DATE,
    "number": Kind.NUMBER,
    "ident": Kind.IDENT,
    "op": Kind.OP,
}
# The escapes Salesforce documents for quoted strings (the set format_soql produces).
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens, ending with an EOF token; raise SoqlError on bad input."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _SCANNER.match(query, pos)
        if match is None:
            raise SoqlError(f"unexpected token: '{query[pos]}'", query=query, pos=pos)
        group = match.lastgroup
        if group == "quote":
            token, pos = _scan_string(query, pos)
            tokens.append(token)
            continue
        text = match.group()
        if group == "baddate":
            raise SoqlError(f"unexpected token: '{text}'", query=query, pos=pos)
        if group == "punct":
            tokens.append(Token(_PUNCT[text], text, pos))
        elif group != "ws":
            assert group is not None
            tokens.append(Token(_GROUP_KIND[group], text, pos))
        pos = match.end()
    tokens.append(Token(Kind.EOF, "", len(query)))
    return tokens


def _scan_string(query: str, start: int) -> tuple[Token, int]:
    r"""Read a quoted literal from ``start`` (the opening quote); return it and the next offset.

    Builds the decoded text and, at the same time, the LIKE pattern: only there do ``%`` and
    ``_`` mean wildcards, and ``\%`` / ``\_`` are the way to match them literally.
    """
    decoded: list[str] = []
    pattern: list[str] = []
    pos = start + 1
    while True:
        if pos >= len(query):
            raise SoqlError("unterminated string literal", query=query, pos=start)
        char = query[pos]
        if char == "'":
            break
        if char == "\\":
            if pos + 1 >= len(query):
                raise SoqlError("unterminated string literal", query=query, pos=start)
            escaped = query[pos + 1]
            if escaped in ("%", "_"):
                decoded.append(escaped)
                pattern.append(re.escape(escaped))
            elif escaped in _ESCAPES:
                decoded.append(_ESCAPES[escaped])
                pattern.append(re.escape(_ESCAPES[escaped].casefold()))
            else:
                raise SoqlError(
                    "Invalid string literal '"
                    + query[start + 1 : pos + 2]
                    + "'. Illegal character sequence '\\"
                    + escaped
                    + "' in string literal.",
                    query=query,
                    pos=pos,
                )
            pos += 2
            continue
        decoded.append(char)
        if char == "%":
            pattern.append(".*")
        elif char == "_":
            pattern.append(".")
        else:
            pattern.append(re.escape(char.casefold()))
        pos += 1
    token = Token(
        Kind.STRING, query[start + 1 : pos], start, value="".join(decoded), like="".join(pattern)
    )
    return token, pos + 1
