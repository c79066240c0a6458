"""The built-in controls: semantic checks every group and every interface should pass.

Each control is a set of .sgv assertion templates about ``each group`` and ``each
interface`` (docs/audit.md), with a stable id, a severity and a one-line rationale. They
cover the security-group checks of checkov (CKV_ALI_2, CKV_ALI_3) and Prowler's Alibaba
Cloud and AWS providers (SSH, RDP, databases, caches, all ports, restricted egress), but
as proofs over every flow: "from internet" is every public address (0.0.0.0/1 plus
128.0.0.0/1 is caught), priorities and Drop rules count, and an interface pools the rules
of all its groups.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("low", "medium", "high", "critical")
ASSERT, WIDE_OPEN, OPEN = "assert", "wide-open", "open"
DEFAULT_PUBLIC_SERVICES = "tcp 80, 443"
DEFAULT_RESTRICTED = ("tag:restricted", "name:*restricted*")


@dataclass(frozen=True)
class Control:
    """A control. ``templates`` are assertion texts whose target is the placeholder
    ``each group`` / ``each interface`` / ``each group or interface``; all must hold.
    ``selector`` limits the subjects (empty: every one). Two kinds are not assertions of
    the language, and their template only names the services and subjects, ``description``
    saying what is checked: WIDE_OPEN ("some internet address is accepted on every protocol
    and port") and OPEN (no service of the template is open to the internet: accepted from
    every public address, ``prove.exposure``, the definition lint's L201 uses). ``internet_nic``: on classic-network subjects only flows on the
    internet NIC count (internet traffic arrives there; rules on the intranet NIC are
    about the internal network, as lint's L201 reads them); VPC subjects are unchanged."""

    id: str
    slug: str
    severity: str
    title: str
    rationale: str
    templates: tuple[str, ...]
    selector: tuple[str, ...] = ()
    kind: str = ASSERT
    references: tuple[str, ...] = ()
    source: str = "built-in"
    internet_nic: bool = False
    description: str = ""
    services: str = ""  # OPEN: the services that must not be open (reports rank by them)

    def matches(self, name: str) -> bool:
        """Is this control called ``name`` (its id or its slug, any case)?"""
        return name.lower() in (self.id.lower(), self.slug.lower())

    def statements(self) -> tuple[str, ...]:
        """What the control checks, as users are shown it: its assertion templates, or
        for WIDE_OPEN (not an assertion of the language) its ``description``."""
        if self.kind in (WIDE_OPEN, OPEN) and self.description:
            return (f"check each group or interface: {self.description} (decided exactly with "
                    "boxes; not an assertion of the language)",)
        return self.templates


def _denied(services: str) -> tuple[str, ...]:
    return (f"assert each group or interface: ingress {services} from internet is denied",)


def _internet(*args: object, **kwargs: object) -> Control:
    """An internet-exposure control: on classic-network subjects "from internet" means
    the flows of the internet NIC (docs/audit.md, Controls; SGV111 too, for egress)."""
    return Control(*args, internet_nic=True, **kwargs)  # type: ignore[arg-type, misc]


def _open(*args: object, services: str, **kwargs: object) -> Control:
    """'SERVICES are not open to the internet' (OPEN): not accepted from every public
    address. Reachable from some public addresses only (an allow-listed office) is SGV110's
    question, not this one's."""
    return _internet(*args, _denied(services), kind=OPEN, description=f"{services}: none is "  # type: ignore[misc]
                     "accepted from every public address (open to the internet)",
                     services=services, **kwargs)


WIDE_OPEN_DESCRIPTION = "no internet address is accepted on every protocol and port"


BUILTIN: tuple[Control, ...] = (
    _open("SGV101", "ssh-internet", "high", "SSH is not open to the internet",
            "SSH (tcp 22) open to every public address invites brute force and exploits of "
            "the SSH daemon; reach it through a bastion or a VPN.",
            services="tcp 22",
            references=("checkov CKV_ALI_2", "prowler ecs_securitygroup_restrict_ssh_internet")),
    _open("SGV102", "rdp-internet", "high", "RDP is not open to the internet",
            "Remote Desktop (3389) is a favourite ransomware entry point.",
            services="tcp 3389 or udp 3389",
            references=("checkov CKV_ALI_3", "prowler ecs_securitygroup_restrict_rdp_internet")),
    _open("SGV103", "remote-admin-internet", "high",
            "Telnet, FTP, VNC, WinRM and rsh are not open to the internet",
            "Clear-text or desktop administration protocols must never face the internet.",
            services="tcp 20-21, 23, 512-514, 5800, 5900-5903, 5985-5986",
            references=("prowler ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_23 "
                        "and _ftp_port_20_21",)),
    _open("SGV104", "database-internet", "high", "Databases are not open to the internet",
            "MySQL, PostgreSQL, SQL Server, Oracle, MongoDB, Cassandra and CouchDB belong on the "
            "private network.",
            services="tcp 1433-1434, 1521, 2483-2484, 3306, 5432, 5984, 7199, 9042, 9160, "
                    "27017-27019 or udp 1434",
            references=("prowler ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_"
                        "mysql_3306, _postgresql_5432, _sql_server_1433_1434, _oracle_1521_2483, "
                        "_mongodb_27017_27018, _cassandra_7199_9160_8888",)),
    _open("SGV105", "cache-search-internet", "high",
            "Caches, search engines and brokers are not open to the internet",
            "Redis, Memcached, Elasticsearch, Kibana, Kafka, ZooKeeper and etcd usually run "
            "without authentication and leak or lose data when exposed.",
            services="tcp 2181, 2379-2380, 5601, 6379, 9092, 9200, 9300, 11211 or udp 11211",
            references=("prowler ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_"
                        "redis_6379, _memcached_11211, _elasticsearch_kibana_9200_9300_5601, "
                        "_kafka_9092",)),
    _open("SGV106", "container-api-internet", "critical",
            "Container and cluster control planes are not open to the internet",
            "An exposed Docker daemon (2375-2376), Kubernetes API (6443) or kubelet (10250, "
            "10255) gives control of every workload on it.",
            services="tcp 2375-2376, 6443, 10250, 10255"),
    _open("SGV107", "file-sharing-internet", "high",
            "File sharing and RPC are not open to the internet",
            "SMB (445), NetBIOS (137-139), NFS (2049) and rpcbind (111) are wormable when exposed.",
            services="tcp 111, 139, 445, 2049 or udp 111, 137-138, 2049"),
    _open("SGV108", "udp-reflection-internet", "medium",
            "UDP services that amplify attacks are not open to the internet",
            "Open chargen, DNS, NTP, SNMP, CLDAP and SSDP servers are used for reflection "
            "attacks against third parties.",
            services="udp 19, 53, 123, 161, 389, 1900"),
    _internet("SGV109", "all-open-internet", "critical",
            "No internet address is accepted on every protocol and port",
            "A rule such as 'all from 0.0.0.0/0' turns off the firewall for the whole internet "
            "(Alibaba Cloud Config: no inbound rule may open all ports and all protocols).",
            ("assert each group or interface: ingress from internet is denied",),
            kind=WIDE_OPEN,
            references=("Alibaba Cloud Config sg-risky-ports-check / all ports",
                        "prowler ec2_securitygroup_allow_ingress_from_internet_to_all_ports"),
            description=WIDE_OPEN_DESCRIPTION),
    _internet("SGV110", "unexpected-internet-ports", "medium",
            "The internet reaches only the published services",
            "Anything reachable from the internet beyond the public services (setting "
            "public-services, default tcp 80, 443) is an exposure to justify.",
            ("assert each group or interface: ingress from internet is allowed only on "
             "{public-services}",),
            references=("prowler ec2_securitygroup_allow_ingress_from_internet_to_any_port",)),
    Control("SGV111", "restricted-egress", "medium",
            "Restricted groups open no connection to the internet",
            "Groups tagged or named restricted (setting restricted) hold data that must not "
            "leave: their egress to the internet is denied, or limited to the setting "
            "restricted-egress-allow.",
            ("assert each group or interface: egress to internet {restricted-egress}",),
            selector=DEFAULT_RESTRICTED, internet_nic=True),
)


def builtin(name: str) -> Control | None:
    return next((c for c in BUILTIN if c.matches(name)), None)


__all__ = [
    "ASSERT",
    "OPEN",
    "BUILTIN",
    "DEFAULT_PUBLIC_SERVICES",
    "DEFAULT_RESTRICTED",
    "SEVERITIES",
    "WIDE_OPEN",
    "WIDE_OPEN_DESCRIPTION",
    "Control",
    "builtin",
]
