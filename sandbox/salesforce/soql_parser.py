"""Recursive-descent parser from SOQL tokens to a small syntax tree (the supported subset)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from sandbox.salesforce.soql_ast import (
    BoolOp,
    Comparison,
    Condition,
    DateRange,
    FieldRef,
    Literal,
    LitKind,
    Not,
    OrderItem,
    Statement,
)
from sandbox.salesforce.soql_lexer import Kind, SoqlError, Token, tokenize

MAX_OFFSET = 2000  # Salesforce refuses larger OFFSETs

# Salesforce's reserved words: never a field or object name.
RESERVED = frozenset(
    {"AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES"}
    | {"LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH"}
)
# Relative date literals understood here, with the date range each one covers.
_FIXED_DAY_LITERALS = {"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}
_N_DAY_LITERALS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})
_DATETIME_PARTS = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))"
)


def parse_statement(query: str, *, now: datetime, strict: bool = True) -> Statement:
    """Parse ``query`` into a Statement or raise SoqlError.

    ``now`` anchors TODAY & co; ``strict`` enforces Salesforce's rules that AND and OR are not
    mixed without parentheses and that NOT only heads a whole condition or a group.
    """
    return _Parser(query, now=now, strict=strict).statement()


class _Parser:
    def __init__(self, query: str, *, now: datetime, strict: bool) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0
        self.today = now.astimezone(UTC).date()
        self.strict = strict

    # -- token helpers -------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind is not Kind.EOF:
            self.i += 1
        return token

    def error(self, token: Token, reason: str | None = None, code: str | None = None) -> SoqlError:
        reason = reason or f"unexpected token: '{token.shown()}'"
        if code:
            return SoqlError(reason, query=self.query, pos=token.pos, error_code=code)
        return SoqlError(reason, query=self.query, pos=token.pos)

    def at_keyword(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind is Kind.IDENT and token.text.upper() in words

    def keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.error(self.peek())
        self.advance()

    def expect(self, kind: Kind) -> Token:
        if self.peek().kind is not kind:
            raise self.error(self.peek())
        return self.advance()

    def name(self) -> Token:
        token = self.peek()
        if token.kind is not Kind.IDENT or token.text.upper() in RESERVED:
            raise self.error(token)
        return self.advance()

    def object_name(self) -> Token:
        # ``Group`` is a standard object although GROUP is reserved: ``FROM Group`` is how
        # queues are queried (Object Reference, Group: "SELECT Id FROM Group WHERE Type =
        # 'Queue'").
        token = self.peek()
        if token.kind is Kind.IDENT and token.text.upper() == "GROUP":
            return self.advance()
        return self.name()

    # -- clauses -------------------------------------------------------------------------

    def statement(self) -> Statement:
        self.keyword("SELECT")
        count_of, count_alias = self.count_of()
        fields: tuple[FieldRef, ...]
        if count_of is not None:
            fields, is_count = (FieldRef(f"COUNT({count_of.name})", count_of.pos),), True
        else:
            fields, is_count = self.select_list()
        self.keyword("FROM")
        object_type = self.object_name().text
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.logical()
        order_by: tuple[OrderItem, ...] = ()
        if self.at_keyword("ORDER") and self.at_keyword("BY", ahead=1):
            self.advance()
            self.advance()
            order_by = self.order_list()
        limit = offset = None
        if self.at_keyword("LIMIT"):
            self.advance()
            limit = self.count()
        if self.at_keyword("OFFSET"):
            self.advance()
            token = self.peek()
            offset = self.count()
            if offset > MAX_OFFSET:
                raise self.error(
                    token,
                    f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                    "NUMBER_OUTSIDE_VALID_RANGE",
                )
        if self.peek().kind is not Kind.EOF:
            raise self.error(self.peek())
        return Statement(
            object_type, fields, is_count, where, order_by, limit, offset, count_of, count_alias
        )

    def count_of(self) -> tuple[FieldRef | None, str | None]:
        """``COUNT(field) [alias]`` as the whole select list (the one aggregate supported)."""
        token = self.peek()
        if not (
            token.kind is Kind.IDENT
            and token.text.upper() == "COUNT"
            and self.peek(1).kind is Kind.LPAREN
            and self.peek(2).kind is Kind.IDENT
        ):
            return None, None
        self.i += 2
        ref = self.field()
        if self.peek().kind is not Kind.RPAREN:
            raise self.error(self.peek())
        self.advance()
        alias = None
        if self.peek().kind is Kind.IDENT and self.peek().text.upper() not in RESERVED:
            alias = self.advance().text
        return ref, alias

    def select_list(self) -> tuple[tuple[FieldRef, ...], bool]:
        token = self.peek()
        if token.kind is Kind.IDENT and self.peek(1).kind is Kind.LPAREN:
            # Only COUNT() is supported; aggregates, toLabel(), FIELDS() etc. are refused.
            if token.text.upper() != "COUNT" or self.peek(2).kind is not Kind.RPAREN:
                raise self.error(self.peek(2) if token.text.upper() == "COUNT" else token)
            self.i += 3
            return (FieldRef(token.text + "()", token.pos),), True
        fields = [self.field()]
        seen = {fields[0].name.lower()}
        while self.peek().kind is Kind.COMMA:
            self.advance()
            ref = self.field()
            if ref.name.lower() in seen:
                raise SoqlError(
                    f"duplicate field selected: {ref.name}", query=self.query, pos=ref.pos
                )
            seen.add(ref.name.lower())
            fields.append(ref)
        return tuple(fields), False

    def field(self) -> FieldRef:
        first = self.name()
        parts = [first.text]
        while self.peek().kind is Kind.DOT:
            self.advance()
            parts.append(self.name().text)
        return FieldRef(".".join(parts), first.pos)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = []
        while True:
            ref = self.field()
            descending = False
            if self.at_keyword("ASC", "DESC"):
                descending = self.advance().text.upper() == "DESC"
            nulls_last = False
            if self.at_keyword("NULLS"):
                self.advance()
                if not self.at_keyword("FIRST", "LAST"):
                    raise self.error(self.peek())
                nulls_last = self.advance().text.upper() == "LAST"
            items.append(OrderItem(ref, descending, nulls_last))
            if self.peek().kind is not Kind.COMMA:
                return tuple(items)
            self.advance()

    def count(self) -> int:
        token = self.peek()
        if token.kind is not Kind.NUMBER or not token.text.isdigit():
            raise self.error(token)
        self.advance()
        return int(token.text)

    # -- conditions ----------------------------------------------------------------------

    def logical(self) -> Condition:
        if not self.strict:
            return self.disjunction()
        # Salesforce: "a AND b ...", "a OR b ..." or "NOT a", where a and b are a comparison
        # or a parenthesized group; anything else is an unexpected token where it stands.
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.primary())
        first = self.primary()
        if not self.at_keyword("AND", "OR"):
            return first
        op = self.peek().text.upper()
        operands = [first]
        while self.at_keyword(op):
            self.advance()
            operands.append(self.primary())
        return BoolOp(op, tuple(operands))

    def disjunction(self) -> Condition:
        operands = [self.conjunction()]
        while self.at_keyword("OR"):
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("OR", tuple(operands))

    def conjunction(self) -> Condition:
        operands = [self.negation()]
        while self.at_keyword("AND"):
            self.advance()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("AND", tuple(operands))

    def negation(self) -> Condition:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.negation())
        return self.primary()

    def primary(self) -> Condition:
        if self.peek().kind is Kind.LPAREN:
            self.advance()
            inner = self.logical()
            self.expect(Kind.RPAREN)
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        ref = self.field()
        token = self.peek()
        if token.kind is Kind.OP:
            self.advance()
            op = "!=" if token.text == "<>" else token.text
        elif self.at_keyword("LIKE", "IN"):
            op = self.advance().text.upper()
        elif self.at_keyword("NOT") and self.at_keyword("IN", ahead=1):
            self.advance()
            self.advance()
            op = "NOT IN"
        else:
            raise self.error(token)
        if op in ("IN", "NOT IN"):
            return Comparison(ref, op, self.value_list())
        value = self.literal()
        self.check_operator(op, value)
        return Comparison(ref, op, (value,))

    def check_operator(self, op: str, value: Literal) -> None:
        if op == "LIKE" and value.kind is not LitKind.STRING:
            raise SoqlError(
                "invalid operator on non-string value: LIKE needs a quoted pattern",
                query=self.query,
                pos=value.pos,
            )
        if op not in ("=", "!=") and value.kind in (LitKind.NULL, LitKind.BOOLEAN):
            raise SoqlError(
                f"invalid operator for {value.kind.value}: {op}",
                query=self.query,
                pos=value.pos,
                error_code="INVALID_QUERY_FILTER_OPERATOR",
            )

    def value_list(self) -> tuple[Literal, ...]:
        self.expect(Kind.LPAREN)
        if self.at_keyword("SELECT"):
            raise self.error(self.peek())  # semi-joins are not supported
        values = [self.literal()]
        while self.peek().kind is Kind.COMMA:
            self.advance()
            values.append(self.literal())
        self.expect(Kind.RPAREN)
        kinds = {v.kind for v in values if v.kind is not LitKind.NULL}
        for value in values:
            if value.kind is LitKind.DATE_RANGE or len(kinds) > 1:
                raise SoqlError(
                    "values of an IN list must all be of one type",
                    query=self.query,
                    pos=value.pos,
                )
        return tuple(values)

    # -- literals ------------------------------------------------------------------------

    def literal(self) -> Literal:
        token = self.advance()
        pos = token.pos
        if token.kind is Kind.STRING:
            return Literal(LitKind.STRING, token.value, pos, token.like)
        if token.kind is Kind.NUMBER:
            text = token.text
            is_int = text.lstrip("+-").isdigit()
            return Literal(LitKind.NUMBER, int(text) if is_int else float(text), pos)
        if token.kind is Kind.DATE:
            try:
                return Literal(LitKind.DATE, date.fromisoformat(token.text), pos)
            except ValueError:
                raise self.error(token, f"invalid date: {token.text}") from None
        if token.kind is Kind.DATETIME:
            return Literal(LitKind.DATETIME, self.datetime_value(token), pos)
        if token.kind is Kind.COLON:
            raise self.error(token, "Bind variables only allowed in Apex code")
        if token.kind is Kind.IDENT:
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                return Literal(LitKind.BOOLEAN, word == "TRUE", pos)
            if word == "NULL":
                return Literal(LitKind.NULL, None, pos)
            if word in _FIXED_DAY_LITERALS:
                return self.day_range(pos, _FIXED_DAY_LITERALS[word], 1)
            if word in _N_DAY_LITERALS:
                return self.n_days(token, word)
        raise self.error(token)

    def n_days(self, token: Token, word: str) -> Literal:
        self.expect(Kind.COLON)
        n_token = self.peek()
        n = self.count()
        if n_token.pos != token.pos + len(token.text) + 1:
            raise self.error(n_token)  # "LAST_N_DAYS : 5" is not a date literal
        if word == "LAST_N_DAYS":  # today and the n days before it
            return self.day_range(token.pos, -n, n + 1)
        if word == "NEXT_N_DAYS":  # the n days after today, today excluded
            return self.day_range(token.pos, 1, n)
        return self.day_range(token.pos, -n, 1)  # N_DAYS_AGO: that one day

    def day_range(self, pos: int, first_offset: int, days: int) -> Literal:
        start = self.today + timedelta(days=first_offset)
        return Literal(LitKind.DATE_RANGE, DateRange(start, start + timedelta(days=days)), pos)

    def datetime_value(self, token: Token) -> datetime:
        match = _DATETIME_PARTS.fullmatch(token.text)
        try:
            assert match is not None  # the lexer only emits datetimes of this shape
            base, fraction, zone, sign, hours, minutes = match.groups()
            tz = UTC
            if zone != "Z":
                offset = timedelta(hours=int(hours), minutes=int(minutes))
                tz = timezone(-offset if sign == "-" else offset)
            micro = int((fraction or "0")[:6].ljust(6, "0"))
            parsed = datetime.fromisoformat(base).replace(microsecond=micro, tzinfo=tz)
            return parsed.astimezone(UTC)
        except ValueError:
            raise self.error(token, f"invalid dateTime: {token.text}") from None
