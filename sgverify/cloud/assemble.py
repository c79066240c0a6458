"""From what the readers found to syntax documents: merge pages of one group, name groups
and instances, resolve group references across all imported files, and declare what is
referenced but missing (reported, never silently dropped).

Readers produce *drafts*: groups, rules, instances and lists whose group references are
still ``GroupRef`` values (an id, an account, or a resource address such as a Terraform
address or a ROS logical id). ``Batch.finish`` turns the drafts of one import run into
``Document``s that the normal resolver handles exactly like .sgv files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter

from ..core.model import Action, GroupType, Network, Nic, PortRange, intra_has_no_effect
from ..core.records import quick_maker
from ..lang.parse import reserved_words
from ..lang.printer import format_group, format_rule, format_statement, is_name, name
from ..lang.syntax import (
    Document,
    GroupNode,
    InstanceNode,
    PeerNode,
    PortListNode,
    PrefixListNode,
    RuleNode,
    Statement,
)
from .source import BAD_RULE, Node, Sink



def reserved(word: str) -> bool:
    """Words the resolver refuses as names (E119)."""
    return word in reserved_words()


def valid_name(text: str) -> bool:
    return bool(text) and is_name(text) and not reserved(text)


def sanitize(text: str) -> str:
    """A .sgv name made from arbitrary text: runs of other characters become '-'."""
    out = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-.")
    if not out or not re.match(r"[A-Za-z_]", out):
        out = "g-" + out if out else "g"
    return out


# Made by the hundred thousand (core.records): the rule of a permission, and its blocks.
make_rule = quick_maker(RuleNode)
_rule_fields = attrgetter(*(f.name for f in fields(RuleNode)))  # every field, in order
_TEXT = [f.name for f in fields(RuleNode)].index("text")
make_peer = quick_maker(PeerNode)


def with_text(rule: RuleNode, text: str) -> RuleNode:
    """``dataclasses.replace(rule, text=text)`` by copying the fields in order (``replace``
    goes through the keyword machinery and ``__init__``: 5 us a rule, 200,000 rules on an
    import of 1,000 groups); ``make_rule`` above refuses ``RuleNode`` if it ever does more
    than store its fields."""
    values = list(_rule_fields(rule))
    values[_TEXT] = text
    return make_rule(*values)


@dataclass(frozen=True)
class GroupRef:
    """A reference to a group: by cloud id (with the owner account when given), or by a
    resource address inside the imported files (Terraform address, ROS logical id)."""

    gid: str | None = None
    account: str | None = None
    resource: str | None = None
    at: Node | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.resource:
            return self.resource.split(":", 2)[-1]
        return f"{self.account}/{self.gid}" if self.account else str(self.gid)


@dataclass
class RuleDraft:
    """A rule whose group peers are placeholders ``PeerNode("ref", name=str(i))`` for
    ``refs[i]``; prefix-list and port-list peers name list ids."""

    rule: RuleNode
    refs: list[GroupRef]
    at: Node


class LazyRule:
    """A rule draft whose ``RuleDraft`` is made only when asked for (``draft``), with what
    the assembler asks of every rule: its .sgv text (``text``; with a group reference, the
    text before the group's name, ``after`` the text after it), its group references, NIC
    and prefix list. ``single``: no peer list holds more than one item (the text is also
    the printed line: nothing to wrap). ``quiet``: the resolver reports nothing about the
    rule in its group (a VPC rule with one block of a family its protocol allows, or one
    group that the resolver finds by name). ``line`` (with a group reference) and
    ``node``: the final text and ``RuleNode``, set by ``Batch.finish``. The class holds
    the commonest values (one block, no reference, quiet): most instances store only their
    text. ``cloud.quick_rules`` makes them."""

    text: str
    after: str = ""
    refs: list[GroupRef] | tuple[()] = ()
    nic: Nic | None = None
    prefix_list: str | None = None
    quiet: bool = True
    single: bool = True
    line: str | None = None
    node: RuleNode | None = None

    @property
    def at(self) -> Node:
        raise NotImplementedError

    def draft(self) -> RuleDraft:
        raise NotImplementedError

    def settle(self) -> None:
        """Its ``node`` is made: let go of what only the draft needed."""


AnyDraft = RuleDraft | LazyRule


@dataclass
class GroupDraft:
    at: Node
    gid: str | None
    resource: str | None
    names: list[str]
    network: Network = Network.VPC
    gtype: GroupType = GroupType.BASIC
    intra: Action | None = Action.ACCEPT
    intra_accept_at: Node | None = None  # where the data says Accept explicitly (W128 if not basic)
    owner: str = ""
    account_hint: str = ""  # the group's own account when the data says (AWS OwnerId)
    description: str = ""
    rules: list[AnyDraft] = field(default_factory=list)
    has_rules: bool = True  # False: only listed (DescribeSecurityGroups), rules unknown
    partial: bool = False  # only rules added from outside (ROS SecurityGroupIngress on an id)
    type_known: bool = True
    api_pages: bool = False  # DescribeSecurityGroupAttribute: pages and NIC types matter
    tokens: list[tuple[str, Node]] = field(default_factory=list)
    stub_reason: str = ""
    final_name: str = ""
    emitted: bool = False

    @property
    def label(self) -> str:
        return self.gid or (self.resource or "").split(":", 2)[-1] or (self.names[0] if self.names else "?")


@dataclass
class InstanceDraft:
    at: Node
    iid: str | None
    names: list[str]
    private: list[PeerNode] = field(default_factory=list)
    public: list[PeerNode] = field(default_factory=list)
    groups: list[GroupRef] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other ids of this interface (ENI ids)
    primary_of: str | None = None  # a primary ENI: the instance it belongs to
    final_name: str = ""


@dataclass
class ListDraft:
    """A prefix list (``peers``) or port list (``ports``) with known entries."""

    at: Node
    lid: str
    names: list[str]
    peers: tuple[PeerNode, ...] | None = None
    ports: tuple[PortRange, ...] | None = None


@dataclass(frozen=True)
class Known:
    """What the importing spec itself defines (imports must not redefine it)."""

    group_names: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()
    instance_names: frozenset[str] = frozenset()
    prefix_lists: frozenset[str] = frozenset()  # names and ids
    port_lists: frozenset[str] = frozenset()


@dataclass
class Assembled:
    """The import run's documents (one per input file, in input order) and what callers
    need besides: the groups really read (not merely referenced) and interface aliases."""

    documents: list[Document]
    interface_groups: list[str]
    aliases: dict[str, str]
    # ``finish(printed=True)``: each document's .sgv text, and the documents hold only the
    # rules the resolver could report something about (``LazyRule.quiet``)
    printed: list[str] | None = None


class Batch:
    """The drafts of one import run."""

    def __init__(self, sink: Sink, known: Known = Known()) -> None:
        self.sink, self.known = sink, known
        self.groups: list[GroupDraft] = []
        self.by_gid: dict[str, GroupDraft] = {}
        self.by_resource: dict[str, GroupDraft] = {}
        self.instances: list[InstanceDraft] = []
        self.prefix_lists: dict[str, ListDraft] = {}
        self.port_lists: dict[str, ListDraft] = {}
        self.secondary_enis: list[tuple[str, Node]] = []
        self.empty_lists: set[str] = set()  # prefix/port lists given with no entries
        # unresolved lists that stand for unknown values (cloud.unknowns): id -> (why, kind)
        self.unknown_lists: dict[str, tuple[str, str]] = {}
        self.order: list[str] = []  # shown paths in input order

    def file(self, shown: str) -> None:
        if shown not in self.order:
            self.order.append(shown)

    # ------------------------------------------------------------ collecting
    def find_group(self, gid: str | None = None, resource: str | None = None) -> GroupDraft | None:
        if resource and resource in self.by_resource:
            return self.by_resource[resource]
        if gid and gid in self.by_gid:
            return self.by_gid[gid]
        return None

    def add_group(self, g: GroupDraft) -> GroupDraft:
        """Add a group, merging it into an earlier draft of the same group (another page,
        the other NIC type of a classic group, or a listing entry)."""
        old = self.find_group(g.gid, g.resource)
        if old is None:
            self.groups.append(g)
            if g.gid:
                self.by_gid[g.gid] = g
            if g.resource:
                self.by_resource[g.resource] = g
            return g
        self._merge(old, g)
        return old

    def _merge(self, old: GroupDraft, new: GroupDraft) -> None:
        if new.partial and not old.partial:
            old.rules.extend(new.rules)
            new.rules = []  # ``new`` is dropped: its rules' contexts hold it (``release``)
            return
        if old.partial and not new.partial:
            rules = old.rules
            old.__dict__.update({k: v for k, v in new.__dict__.items()})
            old.rules = rules + new.rules
            new.rules = []
            if new.gid:
                self.by_gid[new.gid] = old
            if new.resource:
                self.by_resource[new.resource] = old
            return

        def clash(what: str, a: object, b: object) -> None:
            self.sink.error(BAD_RULE, new.at, f"group {old.label}: {what} is {b} here but {a} in "
                            f"{old.at.src.shown}:{old.at.span.line}; both describe the same group")

        if old.network is not new.network:
            clash("the network", old.network.value, new.network.value)
        if old.type_known and new.type_known and old.gtype is not new.gtype:
            clash("the group type", old.gtype.value, new.gtype.value)
        elif new.type_known and not old.type_known:
            old.gtype, old.type_known = new.gtype, True
            if new.gtype is not GroupType.BASIC:
                old.intra = None
        if old.has_rules and new.has_rules and old.intra != new.intra and new.gtype is GroupType.BASIC:
            clash("InnerAccessPolicy", old.intra.value if old.intra else "-",
                  new.intra.value if new.intra else "-")
        for n in new.names:
            if n not in old.names:
                old.names.append(n)
        old.description = old.description or new.description
        old.intra_accept_at = old.intra_accept_at or new.intra_accept_at
        if new.gid and not old.gid:
            old.gid = new.gid
            self.by_gid[new.gid] = old
        if new.resource and not old.resource:
            old.resource = new.resource
            self.by_resource[new.resource] = old
        if new.has_rules:
            if not old.has_rules:
                old.at, old.intra = new.at, new.intra
            old.has_rules = True
            old.api_pages = old.api_pages or new.api_pages
            old.rules.extend(new.rules)
            new.rules = []
            old.tokens.extend(new.tokens)

    def add_instance(self, i: InstanceDraft) -> None:
        for old in self.instances:
            if i.iid and old.iid == i.iid:
                for p in i.private:
                    if p not in old.private:
                        old.private.append(p)
                for p in i.public:
                    if p not in old.public:
                        old.public.append(p)
                for r in i.groups:
                    if r not in old.groups:
                        old.groups.append(r)
                old.aliases.extend(a for a in i.aliases if a not in old.aliases)
                return
        self.instances.append(i)

    def add_list(self, d: ListDraft, kind: str) -> None:
        table = self.prefix_lists if kind == "prefix" else self.port_lists
        old = table.get(d.lid)
        if old is not None and (old.peers, old.ports) != (d.peers, d.ports):
            self.sink.error(BAD_RULE, d.at, f"{kind} list {d.lid} is given twice with different "
                            f"entries (also in {old.at.src.shown}:{old.at.span.line})")
            return
        table.setdefault(d.lid, d)

    # ------------------------------------------------------------ finishing
    def release(self) -> None:
        """Drop the drafts once ``finish`` has made the documents (it let each emitted
        group's go as its node was made; these are the rest). A lazy rule holds its place,
        whose context holds its group draft, which holds the rule: a cycle per group, which the loader's frozen heap (``core.files.paused_gc``) would keep for
        the whole run (measured: 85 MB on 200 groups under lint). A draft merged into an
        earlier one (``_merge``) gave its rules up there."""
        for g in self.groups:
            g.rules = []
        self.groups = []

    def finish(self, printed: bool = False) -> Assembled:
        """The documents of the run. ``printed``: also their .sgv text (what
        ``lang.printer.format_document`` prints of the full documents), and documents
        that leave out the rules the resolver reports nothing about (``sgverify import``
        resolves them only for the diagnostics, so those rules need never be made)."""
        sink = self.sink
        for g in self.groups:
            if g.partial or (not g.has_rules and g.rules):
                sink.error(BAD_RULE, g.rules[0].at if g.rules else g.at, f"rules are added to "
                           f"group {g.label}, which is "
                           + (g.stub_reason if g.stub_reason else "not defined in the input")
                           + ": its other rules are unknown")
                continue
            if g.has_rules:
                self._check_pages(g)
                g.emitted = True
        # Resolve group references (this may declare referenced-only groups).
        targets: dict[int, dict[int, GroupDraft | PeerNode | None]] = {}
        for g in list(self.groups):
            if not g.emitted:
                continue
            for rd in g.rules:
                if rd.refs:
                    targets[id(rd)] = {i: self._target(ref, g) for i, ref in enumerate(rd.refs)}
        inst_groups: dict[int, list[GroupDraft | str] | None] = {}
        by_iid = {i.iid: i for i in self.instances if i.iid}
        for eni in [i for i in self.instances if i.primary_of in by_iid]:
            # the instance (DescribeInstances) already describes its primary interface
            owner = by_iid[eni.primary_of]  # type: ignore[index]
            owner.aliases.extend(a for a in [eni.iid] + eni.aliases if a and a not in owner.aliases)
            self.instances.remove(eni)
        for inst in self.instances:
            if not inst.private and not inst.public:
                self.sink.warn(inst.at, f"interface {inst.iid or inst.names[0]} is not imported: its "
                               "addresses are not in the input (assertions can name its groups)")
                inst_groups[id(inst)] = None
                continue
            inst_groups[id(inst)] = self._interface_groups(inst)
        self._name_all()
        docs: dict[str, list[Statement]] = {shown: [] for shown in self.order}
        lists = self._lists(docs)
        found = self._found_by_name() if printed else {}
        texts: dict[int, str] = {}  # printed: the text of each group (by its node's id)
        for g in self.groups:
            if not g.emitted:
                continue
            rules = self._group_rules(g, targets)
            if g.intra_accept_at is not None and g.gtype is not GroupType.BASIC:
                sink.report("W128", g.intra_accept_at, intra_has_no_effect(
                    f"{g.gtype.value} group {g.label}", "InnerAccessPolicy Accept"))
            if g.has_rules and not g.type_known:
                sink.warn(g.at, f"group {g.label}: SecurityGroupType is not given; read as 'normal' "
                          "(basic). Add the DescribeSecurityGroups listing to be sure: enterprise "
                          "groups drop unmatched egress")
            description = g.description
            if g.stub_reason:
                description = (description + " " if description else "") + f"[{g.stub_reason}]"
            kept = rules
            if printed:
                kept = [r for r in rules if not (r.__class__ is not RuleNode and r.quiet and (
                    not r.refs or found.get(targets[id(r)][0].final_name) == 1))]
            node = GroupNode(
                g.final_name, g.network, g.gtype, g.intra if g.gtype is GroupType.BASIC else None,
                g.owner, g.gid, (), description, tuple(self._node(r, targets) for r in kept),
                g.at.span, rules_known=g.has_rules)
            if printed:
                texts[id(node)] = self._group_text(node, rules, targets)
            docs.setdefault(g.at.src.shown, []).append(node)
            # The group's node is made: its drafts and the JSON they read go now, before
            # the next group's nodes are made, not at ``release`` (1,000 groups of API
            # JSON: live memory peaks at 282 MB instead of 501 MB, and the process holds
            # 456 MB after reading instead of 629 MB). Later messages about the group need
            # only its place.
            g.at, g.rules = g.at.place(), []
        aliases: dict[str, str] = {}
        for inst in self.instances:
            groups = inst_groups[id(inst)]
            if groups is None:
                continue
            names = tuple((x.final_name if isinstance(x, GroupDraft) else x, None) for x in groups)
            docs.setdefault(inst.at.src.shown, []).append(InstanceNode(
                inst.final_name, tuple(inst.private), tuple(inst.public), names, inst.iid,
                inst.at.span))
            for alias in inst.aliases:
                aliases[alias] = inst.final_name
            if inst.iid:
                aliases.setdefault(inst.iid, inst.final_name)
        enis = {i.iid for i in self.instances} | set(aliases)
        for eni_id, at in self.secondary_enis:
            if eni_id not in enis:
                sink.warn(at, f"secondary network interface {eni_id} is not imported: DescribeInstances "
                          "does not give its security groups (add DescribeNetworkInterfaces output)")
        documents = [Document(shown, tuple(lists.get(shown, [])) + tuple(sts))
                     for shown, sts in docs.items() if sts or lists.get(shown)]
        real = [g.final_name for g in self.groups if g.emitted and g.has_rules]
        out = None
        if printed:
            out = ["".join((texts[id(st)] if id(st) in texts else format_statement(st)) + "\n"
                           for st in doc.statements) for doc in documents]
        return Assembled(documents, real, aliases, out)

    def _group_rules(self, g: GroupDraft, targets: dict[int, dict[int, GroupDraft | PeerNode | None]]
                     ) -> list[RuleNode | LazyRule]:
        """The group's rules, in order, without those dropped (a missing group, an empty
        list) and without duplicates (reported): each a ``RuleNode`` with its text, or a
        ``LazyRule`` whose ``line`` is its text."""
        rules: list[RuleNode | LazyRule] = []
        # rules by text: equal rules have the same text, so a rule is a duplicate when
        # it equals one of the few of its text (hashing every rule was a fifth of this)
        seen: dict[str, list[RuleNode | LazyRule]] = {}
        dups = 0
        for rd in g.rules:
            rule: RuleNode | LazyRule | None = None
            if rd.__class__ is not RuleDraft and (not self.empty_lists or rd.prefix_list is None):
                lazy: LazyRule = rd  # type: ignore[assignment]
                if not lazy.refs:
                    rule = lazy
                else:
                    t = targets[id(lazy)][0]
                    if t is None:
                        continue  # a reference that cannot be resolved (reported)
                    if t.__class__ is GroupDraft:  # else a group known only by its id
                        rule = lazy
                        lazy.line = lazy.text + name(t.final_name) + lazy.after  # type: ignore[union-attr]
            if rule is None:
                draft = rd if rd.__class__ is RuleDraft else rd.draft()  # type: ignore[union-attr]
                node = self._finish_rule(draft, targets[id(rd)]) if draft.refs else draft.rule
                if node is not None and self.empty_lists:
                    node = self._without_empty_lists(node, draft.at)
                if node is None:
                    continue
                rule = with_text(node, format_rule(node))
                text = rule.text
            else:
                text = rule.line or rule.text  # type: ignore[union-attr]
            same = seen.get(text)
            if same is None:
                seen[text] = [rule]
            elif any(self._node(rule, targets) == self._node(other, targets) for other in same):
                dups += 1
                continue
            else:
                same.append(rule)
            rules.append(rule)
        if dups:
            self.sink.warn(g.at, f"group {g.label}: {dups} duplicate rule{'s' if dups > 1 else ''} "
                           "dropped (the same page given twice?)")
        return rules

    def _node(self, rule: RuleNode | LazyRule,
              targets: dict[int, dict[int, GroupDraft | PeerNode | None]]) -> RuleNode:
        """The ``RuleNode`` of a rule of ``_group_rules``, made once for a lazy one."""
        if rule.__class__ is RuleNode:
            return rule  # type: ignore[return-value]
        lazy: LazyRule = rule  # type: ignore[assignment]
        if lazy.node is None:
            rd = lazy.draft()
            node = self._finish_rule(rd, targets[id(lazy)]) if rd.refs else rd.rule
            assert node is not None
            lazy.node = with_text(node, lazy.line or lazy.text)
            lazy.settle()
        return lazy.node

    def _group_text(self, node: GroupNode, rules: list[RuleNode | LazyRule],
                    targets: dict[int, dict[int, GroupDraft | PeerNode | None]]) -> str:
        """``format_group`` of ``node`` holding ``rules``, each lazy rule printed from its
        text when it has nothing to wrap."""
        head = format_group(replace(node, rules=()))[:-3]  # without " {}"
        if not rules:
            return head + " {}"
        body = "\n".join("  " + (r.line or r.text if r.__class__ is not RuleNode and r.single  # type: ignore[union-attr, operator]
                                 else format_rule(self._node(r, targets), indent="  "))
                         for r in rules)
        return f"{head} {{\n{body}\n}}"

    def _found_by_name(self) -> dict[str, int]:
        """How many groups the resolver finds by each name or id (``Resolver.group_nodes_named``
        without an account): the groups defined, in document order, the first of a name,
        none named by a word of the language."""
        defined: dict[str, GroupDraft] = {}
        emitted = [g for g in self.groups if g.emitted]
        files = list(dict.fromkeys(self.order + [g.at.src.shown for g in emitted]))
        rank = {shown: i for i, shown in enumerate(files)}
        for g in sorted(emitted, key=lambda g: rank[g.at.src.shown]):  # stable: input order
            if g.final_name not in defined and not reserved(g.final_name):
                defined[g.final_name] = g
        found: dict[str, int] = {}
        for gname, g in defined.items():
            for x in dict.fromkeys(x for x in (gname, g.gid) if x):
                found[x] = found.get(x, 0) + 1
        return found

    def _check_pages(self, g: GroupDraft) -> None:
        if not g.api_pages:
            return
        if g.tokens and all(tok for tok, _ in g.tokens):
            tok, at = g.tokens[-1]
            self.sink.error(BAD_RULE, at, f"group {g.label}: every response given has a NextToken "
                            f"('{tok}'), so at least one page of its rules is missing; add the last "
                            "page (the one with an empty NextToken)")
        if g.network is Network.CLASSIC and g.rules:
            nics = {rd.rule.nic if rd.__class__ is RuleDraft else rd.nic  # type: ignore[union-attr]
                    for rd in g.rules}
            if len(nics) == 1:
                (nic,) = nics
                other = "intranet" if nic is Nic.INTERNET else "internet"
                self.sink.warn(g.at, f"classic group {g.label}: only nic {nic.value if nic else '?'} "
                               f"rules are given; DescribeSecurityGroupAttribute returns one NIC type "
                               f"per call, so add the NicType={other} response unless the group has "
                               f"no {other} rules")

    def _stub(self, gid: str, referrer: GroupDraft, at: Node | None) -> GroupDraft:
        stub = GroupDraft(at or referrer.at, gid, None, [gid], referrer.network, referrer.gtype,
                          Action.ACCEPT if referrer.gtype is GroupType.BASIC else None, has_rules=False,
                          stub_reason="referenced but not in the input")
        self.add_group(stub)
        return stub

    def _declare(self, g: GroupDraft, at: Node | None, why: str) -> None:
        """A referenced group whose rules are not in the input: declared without rules so
        that references to it resolve; reported once."""
        if g.emitted:
            return
        g.emitted = True
        g.stub_reason = g.stub_reason or why
        self.sink.warn(at or g.at, f"group {g.label} is {why}: it is declared without rules so "
                       "that references to it resolve (its own rules are unknown; do not assert "
                       "about it as a target)")

    def _target(self, ref: GroupRef, referrer: GroupDraft) -> GroupDraft | PeerNode | None:
        if ref.resource:
            g = self.by_resource.get(ref.resource)
            if g is None:
                self.sink.error(BAD_RULE, ref.at, f"refers to {ref}, which is not a security group "
                                "of the input")
                return None
        else:
            assert ref.gid is not None
            g = self.by_gid.get(ref.gid)
            if g is not None and ref.account and g.owner and ref.account != g.owner:
                g = None  # the same id in another account: a different group
            if g is None:
                if ref.gid in self.known.group_ids or ref.gid in self.known.group_names:
                    return PeerNode("group", f"group {ref.gid}", name=ref.gid)
                if ref.account and ref.account not in (referrer.owner, referrer.account_hint):
                    if not re.fullmatch(r"[0-9A-Za-z_.@\-]+", ref.account) or \
                            not re.fullmatch(r"[A-Za-z0-9_.\-]+", ref.gid):
                        self.sink.error(BAD_RULE, ref.at, f"group reference {ref} cannot be written "
                                        "in .sgv (ids are letters, digits, _ . -)")
                        return None
                    return PeerNode("group", f"group {ref.account}/{ref.gid}", name=ref.gid,
                                    account=ref.account)
                g = self._stub(ref.gid, referrer, ref.at)
        if g.partial or (not g.has_rules and g.rules):
            return None  # E120 above: the group's own rules are unknown
        if not g.has_rules:
            self._declare(g, ref.at, g.stub_reason or "only listed (DescribeSecurityGroups), its "
                          "rules are not in the input")
        return g

    def _interface_groups(self, inst: InstanceDraft) -> list[GroupDraft | str] | None:
        out: list[GroupDraft | str] = []
        label = inst.iid or (inst.names[0] if inst.names else "?")
        for ref in inst.groups:
            g = self.find_group(ref.gid, ref.resource)
            if g is None and ref.gid and (ref.gid in self.known.group_ids or
                                          ref.gid in self.known.group_names):
                out.append(ref.gid)
                continue
            if g is None or not g.has_rules:
                why = "is not in the input" if g is None else "has no rules in the input (only listed)"
                self.sink.warn(ref.at or inst.at, f"interface {label} is not imported: its group "
                               f"{ref} {why}, so its policy would be incomplete")
                return None
            out.append(g)
        if not out:
            self.sink.warn(inst.at, f"interface {label} is not imported: it has no security group")
            return None
        return out

    def _name_all(self) -> None:
        used = set(self.known.group_names) | set(self.known.group_ids) | set(self.known.instance_names)
        used |= {g.gid for g in self.groups if g.gid}
        for g in self.groups:
            if not g.emitted:
                continue
            cands = [n for n in g.names if n != g.gid] + ([g.gid] if g.gid else [])
            g.final_name = self._pick(cands, used, g.gid)
            used.add(g.final_name)
        for inst in self.instances:
            cands = inst.names + ([inst.iid] if inst.iid else [])
            inst.final_name = self._pick(cands, used, inst.iid)
            used.add(inst.final_name)

    @staticmethod
    def _pick(cands: list[str], used: set[str], own_id: str | None) -> str:
        for c in cands:
            if valid_name(c) and (c not in used or c == own_id):
                return c
        base = sanitize(cands[0] if cands else "imported")
        if reserved(base):
            base += "-1"
        n, name = 1, base
        while name in used:
            n += 1
            name = f"{base}-{n}"
        return name

    def _finish_rule(self, rd: RuleDraft, targets: dict[int, GroupDraft | PeerNode | None]) -> RuleNode | None:
        def peers(items: tuple[PeerNode, ...] | None) -> tuple[PeerNode, ...] | None:
            if items is None:
                return None
            out = []
            for p in items:
                if p.kind != "ref":
                    out.append(p)
                    continue
                t = targets.get(int(p.name))
                if t is None:
                    continue
                if isinstance(t, GroupDraft):
                    out.append(PeerNode("group", f"group {t.final_name}", name=t.final_name,
                                        span=p.span))
                else:
                    out.append(replace(t, span=p.span))
            return tuple(out)

        if any(t is None for t in targets.values()):
            return None
        return replace(rd.rule, src=peers(rd.rule.src), dst=peers(rd.rule.dst))

    def _without_empty_lists(self, rule: RuleNode, at: Node) -> RuleNode | None:
        """A list with no entries matches nothing: drop it from the peers, and drop a rule
        left with no peer (or whose port list is empty): it can never match."""
        if rule.port_list in self.empty_lists:
            self.sink.warn(at, f"rule dropped: its port list {rule.port_list} has no entries, so "
                           "it matches nothing")
            return None
        inbound = rule.src if rule.direction.value == "ingress" else rule.dst
        if not inbound or not any(p.kind == "prefix-list" and p.name in self.empty_lists
                                  for p in inbound):
            return rule
        kept = tuple(p for p in inbound if not (p.kind == "prefix-list" and p.name in self.empty_lists))
        if not kept:
            self.sink.warn(at, "rule dropped: its only peer is a prefix list with no entries, so "
                           "it matches nothing")
            return None
        return replace(rule, src=kept) if rule.direction.value == "ingress" else replace(rule, dst=kept)

    def _lists(self, docs: dict[str, list[Statement]]) -> dict[str, list[Statement]]:
        """Prefix and port lists: those given with entries, and unresolved declarations for
        those referenced but not given (reported: verdicts that need them are 'unknown')."""
        out: dict[str, list[Statement]] = {}
        used = set(self.known.prefix_lists) | set(self.known.port_lists)
        wanted_p: dict[str, Node] = {}
        wanted_r: dict[str, Node] = {}
        for g in self.groups:
            if not g.emitted:
                continue
            for rd in g.rules:
                if rd.__class__ is not RuleDraft:  # a LazyRule: no port list, one peer
                    if rd.prefix_list is not None:  # type: ignore[union-attr]
                        wanted_p.setdefault(rd.prefix_list, rd.at)  # type: ignore[union-attr]
                    continue
                for p in (rd.rule.src or ()) + (rd.rule.dst or ()):  # type: ignore[union-attr]
                    if p.kind == "prefix-list":
                        wanted_p.setdefault(p.name, rd.at)
                if rd.rule.port_list:  # type: ignore[union-attr]
                    wanted_r.setdefault(rd.rule.port_list, rd.at)  # type: ignore[union-attr]
        for kind, table, wanted, known in (("prefix", self.prefix_lists, wanted_p, self.known.prefix_lists),
                                           ("port", self.port_lists, wanted_r, self.known.port_lists)):
            for lid, d in table.items():
                if lid in known:
                    continue
                name = Batch._pick(d.names + [lid], used, lid)
                used.add(name)
                st: Statement = (PrefixListNode(name, lid, d.peers, d.at.span) if kind == "prefix"
                                 else PortListNode(name, lid, d.ports, d.at.span))
                out.setdefault(d.at.src.shown, []).append(st)
            for lid, at in wanted.items():
                if lid in table or lid in known or lid in self.empty_lists:
                    continue
                name = Batch._pick([lid], used, lid)
                used.add(name)
                what = "DescribePrefixListAttributes" if kind == "prefix" else "DescribePortRangeListEntries"
                if lid in self.unknown_lists:
                    stands = "peer" if kind == "prefix" else "ports"
                    self.sink.warn(at, f"unknown value: {self.unknown_lists[lid][0]}; the rule's "
                                   f"{stands} {'is' if kind == 'prefix' else 'are'} read as the "
                                   f"unresolved {kind} list {name}, so verdicts that depend on it "
                                   "end 'unknown'")
                else:
                    self.sink.warn(at, f"{kind} list {lid} is not in the input: its entries are "
                                   f"unknown, so verdicts that depend on it end 'unknown' (for "
                                   f"Alibaba Cloud, add its {what} output)")
                st = (PrefixListNode(name, lid, None, at.span) if kind == "prefix"
                      else PortListNode(name, lid, None, at.span))
                out.setdefault(at.src.shown, []).append(st)
        for shown in out:
            docs.setdefault(shown, [])
        return out
