"""ROS (Alibaba Cloud Resource Orchestration Service) templates, JSON or YAML.

Read: ``ALIYUN::ECS::SecurityGroup`` (with its ``SecurityGroupIngress`` and
``SecurityGroupEgress`` lists), ``ALIYUN::ECS::SecurityGroupIngress`` / ``Egress`` /
``Ingresses`` / ``Egresses``, and the group memberships of ``ALIYUN::ECS::Instance`` and
``ALIYUN::ECS::NetworkInterface``. Groups are named by their logical ids. Intrinsic
functions and parameters are evaluated first (``ros_eval``); ``Ref`` / ``Fn::GetAtt`` to a
security group of the template are followed; what stays unknown is an unknown field of its
rule only (``unknowns``).
"""

from __future__ import annotations

import json

from ..core.diagnostics import Span
from ..core.model import Action, Direction, GroupType, Network
from ..lang.syntax import PeerNode
from .assemble import Batch, GroupDraft, GroupRef, InstanceDraft
from .permission import FIELDS, PermissionContext, cidr_peer
from .ros_eval import RosEvaluator, RosUnknown
from .jsondoc import Located
from .unknowns import UNKNOWN_GROUP, convert_with_unknowns, unknown_group
from .source import BAD_RULE, SYNTAX, UNSUPPORTED, Node, Sink, Src, text_of

TOP_FIELDS = frozenset("""ROSTemplateFormatVersion Description Metadata Parameters Mappings
Conditions Resources Outputs Rules Locals Workspace Transform""".split())
RESOURCE_FIELDS = frozenset("Type Properties DependsOn Condition DeletionPolicy Metadata Description".split())
SG = "ALIYUN::ECS::SecurityGroup"
RULE_TYPES = {"ALIYUN::ECS::SecurityGroupIngress": Direction.INGRESS,
              "ALIYUN::ECS::SecurityGroupEgress": Direction.EGRESS,
              "ALIYUN::ECS::SecurityGroupIngresses": Direction.INGRESS,
              "ALIYUN::ECS::SecurityGroupEgresses": Direction.EGRESS}
INTERFACE_TYPES = ("ALIYUN::ECS::Instance", "ALIYUN::ECS::NetworkInterface")
SG_PROPS = frozenset("""VpcId Description SecurityGroupName Tags SecurityGroupEgress
SecurityGroupIngress ResourceGroupId SecurityGroupType InnerAccessPolicy""".split())
GROUP_FIELDS = ("SourceGroupId", "DestGroupId")
TYPES = {"normal": GroupType.BASIC, "enterprise": GroupType.ENTERPRISE}


def looks_like(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if "ROSTemplateFormatVersion" in value:
        return True
    res = value.get("Resources")
    return isinstance(res, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("ALIYUN::") for r in res.values())


class _Template:
    def __init__(self, sink: Sink, root: Node, ev: RosEvaluator | None = None,
                 original: object = None) -> None:
        self.sink, self.root = sink, root
        self.original = root.value if original is None else original
        self.resources = root.child("Resources")
        self.shown = root.src.shown
        self.ev = ev

    def written(self, node: Node) -> str:
        """The value at ``node`` as the template writes it (before evaluation)."""
        value = self.original
        for key in node.path:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return "the value"
        text = json.dumps(value, ensure_ascii=False)
        return f"`{text if len(text) <= 80 else text[:77] + '...'}`"

    def exists(self, res: Node) -> tuple[str, Node] | None:
        """Why the resource may not exist (its Condition is unknown), or None."""
        cond = res.get("Condition")
        if cond is None or self.ev is None:
            return None
        value = self.ev.condition(str(cond.value))
        if isinstance(value, RosUnknown):
            return (f"Condition {cond.value} ({cond.src.shown}:{cond.span.line}): {value}", cond)
        return None

    def key(self, logical: str) -> str:
        return f"ros:{self.shown}:{logical}"

    def type_of(self, logical: str) -> str:
        res = self.resources.value.get(logical) if isinstance(self.resources.value, dict) else None
        return str(res.get("Type", "")) if isinstance(res, dict) else ""

    def group_ref(self, node: Node, account: str | None) -> GroupRef | None:
        """A group id value: a literal id, or Ref / Fn::GetAtt of a group of this template."""
        value = node.value
        if isinstance(value, str):
            return GroupRef(gid=value.strip(), account=account, at=node)
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            target = None
            if fn == "Ref" and isinstance(arg, str):
                target = arg
            elif fn == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and \
                    arg[1] in ("SecurityGroupId", "Id"):
                target = str(arg[0])
            if target is not None and self.type_of(target) == SG:
                return GroupRef(resource=self.key(target), account=account, at=node)
            if target is not None:
                what = "a parameter" if fn == "Ref" else f"resource {target}"
                self.sink.error(UNSUPPORTED, node, f"{node.shown_value} refers to {what}, not to a "
                                f"security group of this template; sgverify reads literal values only")
                return None
        self.sink.error(UNSUPPORTED, node, f"{node.shown_value}: cannot tell which group this is; "
                        "use a literal id or Ref / Fn::GetAtt of a group of this template")
        return None

    def literal_fields(self, perm: Node) -> tuple[dict[str, Node], dict[str, tuple[str, Node]]] | None:
        """The permission's known fields and its unknown ones (why, where); a value of the
        wrong shape is reported."""
        self.sink.unknown_fields(perm, FIELDS | {"SecurityGroupId"})
        ok = True
        known: dict[str, Node] = {}
        unknown: dict[str, tuple[str, Node]] = {}
        for key, node in perm.items():
            u = node.value if isinstance(node.value, RosUnknown) else None
            if u is not None:
                unknown[key] = (f"{self.written(node)} ({node.src.shown}:{node.span.line}): {u}",
                                node)
                continue
            known[key] = node
            if key in GROUP_FIELDS or key == "SecurityGroupId":
                continue
            if isinstance(node.value, (dict, list)):
                self.sink.error(UNSUPPORTED, node, f"{node.shown_value}: expected a value, not "
                                "an object or a list")
                ok = False
        return (known, unknown) if ok else None

    def permission(self, fields: dict[str, Node], unknown: dict[str, tuple[str, Node]],
                   ctx: PermissionContext, at: Node, label: str, batch: Batch) -> None:
        for rule in convert_with_unknowns(self.sink, batch, fields, unknown, ctx, at, label):
            ctx.group.rules.append(rule)

    def rules(self, draft: GroupDraft, perms: Node | None, direction: Direction | None,
              batch: Batch, label: str, exists: tuple[str, Node] | None = None) -> None:
        if perms is None or perms.value is None:
            return
        if not isinstance(perms.value, list):
            self.sink.error(SYNTAX, perms, f"expected a list of rules, found {perms.shown_value}")
            return
        if isinstance(perms.value, RosUnknown):
            self.sink.warn(perms, f"rules not imported: the list is unknown: {perms.value}")
            return
        ctx = PermissionContext(draft, direction, self.group_ref)
        for i, perm in enumerate(perms.elements()):
            if not isinstance(perm.value, dict):
                self.sink.error(SYNTAX, perm, f"expected a rule object, found {perm.shown_value}")
                continue
            read = self.literal_fields(perm)
            if read is None:
                continue
            fields, unknown = read
            if exists is not None:
                unknown["Exists"] = exists
            self.permission(fields, unknown, ctx, perm, f"{label}.{i}", batch)


def _count(sink: Sink, res: Node) -> bool:
    if res.has("Count"):
        sink.error(UNSUPPORTED, res.child("Count"), "'Count' makes the number of resources "
                   "unknown to a template reader; sgverify cannot read this resource")
        return True
    return False


READ_TYPES = (SG,) + tuple(RULE_TYPES) + INTERFACE_TYPES
HARMLESS = frozenset("""Description Tags SecurityGroupName InstanceName HostName ImageId UserData
Metadata DependsOn DeletionPolicy Label ConstraintDescription AllowedValues
NetworkInterfaceName""".split())


def _duplicates(sink: Sink, root: Node) -> bool:
    """Keys given twice: an error where the two values differ and the key may change a
    security-group value (sections that feed values, and the resources sgverify reads,
    outside descriptive keys); a warning elsewhere. True when an error was reported."""
    resources = root.value.get("Resources") if isinstance(root.value, dict) else None
    bad = False
    for path, message, line, col, differs in root.src.doc.duplicates:
        kind = ""
        if len(path) >= 2 and path[0] == "Resources" and isinstance(resources, dict):
            res = resources.get(path[1])
            kind = str(res.get("Type", "")) if isinstance(res, dict) else ""
        matters = differs and not any(isinstance(p, str) and p in HARMLESS for p in path) and (
            len(path) <= 2 or path[0] in ("Parameters", "Conditions", "Mappings") or
            kind in READ_TYPES)
        if matters:
            sink.error(SYNTAX, Span(root.src.shown, line or 1, col or 1), f"{message}, and the "
                       "two values differ where they can change a security-group value")
            bad = True
        else:
            sink.warn(Span(root.src.shown, line or 1, col or 1), f"{message}: the last value is "
                      "used" + ("" if differs else " (both are the same)"))
    return bad


def _evaluated(sink: Sink, root: Node, parameters: dict[str, str]) -> tuple[Node, RosEvaluator]:
    """The template with the functions of the resources sgverify reads evaluated (same
    positions); resources whose Condition is false are left out."""
    ev = RosEvaluator(root.value, parameters)
    resources = root.value.get("Resources")
    new = dict(root.value)
    if isinstance(resources, dict):
        out = {}
        for logical, res in resources.items():
            if isinstance(res, dict) and str(res.get("Type", "")) in READ_TYPES:
                if "Condition" in res and ev.condition(str(res["Condition"])) is False:
                    continue
                res = dict(res)
                if "Properties" in res:
                    res["Properties"] = ev.value(res["Properties"])
            out[logical] = res
        new["Resources"] = out
    doc = root.src.doc
    located = Located(new, doc.text, doc.offsets, doc.lines, index=doc.index)
    return Node.root(Src(root.src.shown, located)), ev


def read(sink: Sink, root: Node, batch: Batch, parameters: dict[str, str] | None = None) -> None:
    sink.unknown_fields(root, TOP_FIELDS, "template section")
    if root.src.doc.duplicates and _duplicates(sink, root):
        return
    if isinstance(root.value, dict) and isinstance(root.value.get("Resources"), dict):
        original = root.value
        root, ev = _evaluated(sink, root, parameters or {})
        t = _Template(sink, root, ev, original)
    else:
        t = _Template(sink, root)
    if not isinstance(t.resources.value, dict):
        sink.error(SYNTAX, t.resources, "a ROS template needs a Resources object")
        return
    later = []
    for logical, res in t.resources.items():
        if not isinstance(res.value, dict):
            sink.error(SYNTAX, res, "expected a resource object")
            continue
        kind = text_of(sink, res.get("Type"))
        if kind == SG:
            if not _count(sink, res):
                _group(sink, t, logical, res, batch)
        elif kind in RULE_TYPES or kind in INTERFACE_TYPES:
            later.append((logical, res, kind))
        elif "SecurityGroup" in kind:
            sink.warn(res.child("Type"), f"resource type {kind} is not read by sgverify")
    for logical, res, kind in later:
        if _count(sink, res):
            continue
        if kind in RULE_TYPES:
            _standalone_rules(sink, t, logical, res, RULE_TYPES[kind], kind.endswith("es"), batch)
        else:
            _interface(sink, t, logical, res, batch)


def _group(sink: Sink, t: _Template, logical: str, res: Node, batch: Batch) -> None:
    sink.unknown_fields(res, RESOURCE_FIELDS | {"Count"}, "resource field")
    props = res.child("Properties").labelled(f"Resources.{logical}.Properties")
    sink.unknown_fields(props, SG_PROPS, "property")
    network = Network.VPC if props.has("VpcId") and not props.child("VpcId").is_blank() else Network.CLASSIC
    for key in ("SecurityGroupType", "InnerAccessPolicy"):
        node = props.get(key)
        if node is not None and isinstance(node.value, RosUnknown):
            sink.warn(node, f"group {logical} is read as external (its own decisions unknown): "
                      f"its {key} is unknown: {node.value}")
            batch.add_group(GroupDraft(res, None, t.key(logical), [logical], network,
                                       has_rules=False, stub_reason=f"{UNKNOWN_GROUP}{key} unknown"))
            return
    gtype = TYPES.get(text_of(sink, props.get("SecurityGroupType")).lower(), None)
    if gtype is None and text_of(sink, props.get("SecurityGroupType")):
        sink.error(BAD_RULE, props.child("SecurityGroupType"), "expected normal or enterprise")
        return
    gtype = gtype or GroupType.BASIC
    intra_text = text_of(sink, props.get("InnerAccessPolicy")).lower()
    intra = {"": Action.ACCEPT, "accept": Action.ACCEPT, "drop": Action.DROP}.get(intra_text)
    if intra is None:
        sink.error(BAD_RULE, props.child("InnerAccessPolicy"), "expected Accept or Drop")
        return
    draft = GroupDraft(res, None, t.key(logical), [logical], network, gtype,
                       intra if gtype is GroupType.BASIC else None,
                       description=" ".join(text_of(sink, props.get("Description")).split()),
                       intra_accept_at=props.child("InnerAccessPolicy") if intra_text == "accept"
                       else None)
    draft = batch.add_group(draft)
    t.rules(draft, props.get("SecurityGroupIngress"), Direction.INGRESS, batch,
            f"{logical}.SecurityGroupIngress")
    t.rules(draft, props.get("SecurityGroupEgress"), Direction.EGRESS, batch,
            f"{logical}.SecurityGroupEgress")


def _standalone_rules(sink: Sink, t: _Template, logical: str, res: Node, direction: Direction,
                      several: bool, batch: Batch) -> None:
    sink.unknown_fields(res, RESOURCE_FIELDS | {"Count"}, "resource field")
    props = res.child("Properties").labelled(f"Resources.{logical}.Properties")
    gnode = props.get("SecurityGroupId")
    if gnode is not None and isinstance(gnode.value, RosUnknown):
        _rules_anywhere(sink, t, logical, res, props, gnode, direction, several, batch)
        return
    if gnode is None or gnode.is_blank():
        sink.error(BAD_RULE, props, "the rule resource needs its SecurityGroupId")
        return
    ref = t.group_ref(gnode, None)
    if ref is None:
        return
    draft = batch.find_group(ref.gid, ref.resource)
    if draft is None:
        draft = batch.add_group(GroupDraft(res, ref.gid, None, [], partial=True))
    if unknown_group(draft):
        return  # read as external: its rules do not matter
    exists = t.exists(res)
    if several:
        sink.unknown_fields(props, ("SecurityGroupId", "Permissions"), "property")
        t.rules(draft, props.get("Permissions"), direction, batch, f"{logical}.Permissions", exists)
    else:
        read = t.literal_fields(props)
        if read is None:
            return
        fields, unknown = read
        fields.pop("SecurityGroupId", None)
        if exists is not None:
            unknown["Exists"] = exists
        t.permission(fields, unknown, PermissionContext(draft, direction, t.group_ref), props,
                     logical, batch)


def _rules_anywhere(sink: Sink, t: _Template, logical: str, res: Node, props: Node, gnode: Node,
                    direction: Direction, several: bool, batch: Batch) -> None:
    """Rules whose group is unknown: each group of the input gets them, as rules that may
    not exist (cloud.unknowns)."""
    why = f"{t.written(gnode)} ({gnode.src.shown}:{gnode.span.line}): {gnode.value}"
    groups = [g for g in batch.groups if g.has_rules and not g.partial]
    if not groups:
        sink.warn(gnode, f"rules not imported: the group they belong to is unknown ({why}) and "
                  "the input defines no group they could be")
        return
    sink.warn(gnode, f"the group of these rules is unknown ({why}): they are read as rules that "
              f"may belong to any of the {len(groups)} group{'s' if len(groups) > 1 else ''} "
              "of the input")
    exists = (why, gnode)
    for g in groups:
        label = f"{logical}.in.{(g.names or [g.label])[0]}"
        if several:
            t.rules(g, props.get("Permissions"), direction, batch, label, exists)
            continue
        read = t.literal_fields(props)
        if read is None:
            return
        fields, unknown = read
        unknown.pop("SecurityGroupId", None)
        fields.pop("SecurityGroupId", None)
        unknown["Group"] = exists
        t.permission(fields, unknown, PermissionContext(g, direction, t.group_ref), props, label,
                     batch)


def _interface(sink: Sink, t: _Template, logical: str, res: Node, batch: Batch) -> None:
    props = res.child("Properties").labelled(f"Resources.{logical}.Properties")
    refs: list[GroupRef] = []
    for key in ("SecurityGroupId", "SecurityGroupIds"):
        node = props.get(key)
        unknown = node is not None and (isinstance(node.value, RosUnknown) or (
            isinstance(node.value, list) and any(isinstance(x, RosUnknown) for x in node.value)))
        if unknown:
            sink.warn(node, f"interface {logical} is not imported: its {key} is unknown")
            return
    one = props.get("SecurityGroupId")
    if one is not None and not one.is_blank():
        r = t.group_ref(one, None)
        if r is None:
            return
        refs.append(r)
    many = props.get("SecurityGroupIds")
    if many is not None and isinstance(many.value, list):
        for item in many.elements():
            r = t.group_ref(item, None)
            if r is None:
                return
            refs.append(r)
    private: list[PeerNode] = []
    for key in ("PrivateIpAddress", "PrimaryIpAddress"):
        node = props.get(key)
        if node is not None and not node.is_blank():
            if isinstance(node.value, RosUnknown):
                sink.warn(node, f"the address is unknown: {node.value}")
            elif isinstance(node.value, str):
                p = cidr_peer(sink, node, None)
                if p is not None:
                    private.append(p)
            else:
                sink.warn(node, f"{node.shown_value}: the address is not a literal value")
    batch.add_instance(InstanceDraft(res, None, [logical], private, [], refs))
