"""What an audit checks: every group and interface as a subject, the subjects each
control selects, its templates with the settings filled in, and the plan of (control,
subject, templates) in report order, with the box prover that checks it. Workers build
the same plan from the same inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...core.diagnostics import Span
from ...core.model import Group, Instance, Policy, Target
from ...engines.boxes.finder import pooled
from ...prove.box_prover import BoxProver
from .prover import AuditProver
from .controls import Control
from .settings import Settings, selects_group, selects_instance
from .templates import GROUP, INTERFACE, Template, instantiate

Item = tuple[Control, "Subject", list[Template]]


@dataclass(frozen=True)
class Subject:
    """A group (as an interface in just that group, any address) or an interface (an
    instance: all its groups pooled, its own addresses)."""

    kind: str  # GROUP or INTERFACE
    name: str
    target: Target
    ident: str | None = None
    span: Span | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def template_texts(control: Control, settings: Settings) -> list[str]:
    """The control's templates with its parameters filled in from the settings."""
    egress = (f"is allowed only to {settings.restricted_egress_allow}"
              if settings.restricted_egress_allow.strip() else "is denied")
    values = {"public-services": settings.public_services, "restricted-egress": egress}
    out = []
    for t in control.templates:
        for key, value in values.items():
            t = t.replace("{" + key + "}", value)
        out.append(t)
    return out


def selector(control: Control, settings: Settings) -> tuple[str, ...]:
    for key, items in settings.select.items():
        if control.matches(key):
            return items
    if control.id == "SGV111":
        return settings.restricted
    return control.selector


def all_subjects(policy: Policy) -> tuple[list[tuple[Group, Subject]], list[tuple[Instance, Subject]]]:
    """Every group and every interface of the policy as a subject (made once per audit:
    each keeps its pooled, sorted rules)."""
    groups = [(g, Subject(GROUP, g.name, pooled(Target(g.name, "group", (g,), None, g.span)),
                          g.gid, g.span)) for g in policy.groups if g.rules_known]
    interfaces = [(i, Subject(INTERFACE, i.name, pooled(i.target), i.iid, i.span))
                  for i in policy.instances]
    return groups, interfaces


def subjects(every: tuple[list[tuple[Group, Subject]], list[tuple[Instance, Subject]]],
             control: Control, scope: frozenset[str], settings: Settings) -> list[Subject]:
    """The subjects ``control`` selects among ``every`` (``all_subjects``)."""
    items = selector(control, settings)
    out = []
    if GROUP in scope:
        out += [s for g, s in every[0] if selects_group(items, g)]
    if INTERFACE in scope:
        out += [s for i, s in every[1] if selects_instance(items, i)]
    return out


def make_plan(policy: Policy, controls: Sequence[Control], settings: Settings,
              timeout_ms: int | None, sources: dict[str, str]) -> tuple[BoxProver, list[Item]]:
    """The engine and every (control, subject, templates) to check, in report order
    (``sources`` receives the texts of the generated control documents)."""
    templates = instantiate([(c, template_texts(c, settings)) for c in controls], policy, sources)
    by_control: dict[str, list[Template]] = {}
    for t in templates:
        by_control.setdefault(t.control.id, []).append(t)
    engine = AuditProver(policy, timeout_ms)
    every = all_subjects(policy)
    plan: list[Item] = []
    for c in controls:
        ts = by_control.get(c.id, [])
        scope = frozenset().union(*(t.scope for t in ts)) if ts else frozenset()
        for s in subjects(every, c, scope, settings):
            plan.append((c, s, [t for t in ts if s.kind in t.scope]))
    return engine, plan
