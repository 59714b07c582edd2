"""Macros (canned replies): a body with placeholders, optional actions, and who owns it.

A body may hold placeholders and nothing else of Jinja2: ``{{ticket.number}}``,
``{{ticket.subject}}``, ``{{ticket.status}}``, ``{{ticket.priority}}``,
``{{requester.name}}``, ``{{agent.name}}``, ``{{csat_url}}``. Anything else (an unknown
name, a filter, a call, a loop, a block) is refused when the macro is saved (422), so
rendering can only look values up in the dict it is given; the sandboxed environment
below also refuses attribute access on anything but that dict at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from crm_shared.events.ticket import TicketPriority, TicketStatus
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MacroScope = Literal["global", "team", "personal"]
MAX_BODY = 20_000
PLACEHOLDERS: dict[str, frozenset[str] | None] = {
    "ticket": frozenset({"number", "subject", "status", "priority"}),
    "requester": frozenset({"name"}),
    "agent": frozenset({"name"}),
    "csat_url": None,
}
"""The placeholders a body may use: a name with its fields, or a plain value (``None``)."""
KNOWN = sorted(
    f"{{{{{name}.{attr}}}}}" if attrs else f"{{{{{name}}}}}"
    for name, attrs in PLACEHOLDERS.items()
    for attr in (sorted(attrs) if attrs else [""])
)


class _DictOnly(ImmutableSandboxedEnvironment):
    """``a.b`` is ``a["b"]`` on a dict and nothing else: no attribute of any object."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.getattr(obj, str(argument))


_ENV = _DictOnly(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class PlaceholderError(ValueError):
    pass


def _placeholder(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name) and node.name in PLACEHOLDERS and PLACEHOLDERS[node.name] is None:
        return node.name
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        attrs = PLACEHOLDERS.get(node.node.name)
        if attrs is not None and node.attr in attrs:
            return f"{node.node.name}.{node.attr}"
        raise PlaceholderError(f"unknown placeholder {{{{{node.node.name}.{node.attr}}}}}; known: {', '.join(KNOWN)}")
    if isinstance(node, nodes.Name):
        raise PlaceholderError(f"unknown placeholder {{{{{node.name}}}}}; known: {', '.join(KNOWN)}")
    raise PlaceholderError(f"only placeholders are allowed between {{{{ and }}}} ({', '.join(KNOWN)})")


def placeholders(body: str) -> list[str]:
    """The placeholders ``body`` uses, in order; PlaceholderError if it holds anything else."""
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as exc:
        raise PlaceholderError(f"line {exc.lineno}: {exc.message}") from exc
    used: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            raise PlaceholderError("only placeholders are allowed: no {% %} blocks")
        for part in statement.nodes:
            if not isinstance(part, nodes.TemplateData):
                used.append(_placeholder(part))
    return used


def render(body: str, context: Mapping[str, Any]) -> str:
    """The body with its placeholders filled in (the body is checked again first)."""
    placeholders(body)
    return str(_ENV.from_string(body).render(dict(context)))


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
TeamId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class MacroActions(BaseModel):
    """What applying the macro also does to the ticket (the console applies them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: TicketStatus | None = None
    priority: TicketPriority | None = None


class MacroIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    body: str = Field(min_length=1, max_length=MAX_BODY)
    scope: MacroScope = "team"
    team: TeamId | None = Field(default=None, description="The directory team id; required for scope team.")
    actions: MacroActions = Field(default_factory=MacroActions)

    @model_validator(mode="after")
    def _valid(self) -> MacroIn:
        if (self.scope == "team") != (self.team is not None):
            raise ValueError("team is required for a team macro and only for one")
        placeholders(self.body)
        return self
