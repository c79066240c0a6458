"""``sgverify pull aliyun|aws --region R``: read security groups, rules, prefix lists,
port lists and network interfaces from the cloud through its official SDK, into a folder
of the JSON every command reads (docs/pull.md). Read-only Describe calls only."""

from __future__ import annotations

import argparse
import os
import textwrap
from typing import IO

from ..cloud.live.common import (
    ENDPOINT_ENV,
    PROVIDERS,
    PullError,
    PullRequest,
    budget_from_env,
    write_pulled,
)
from ..cloud.live.fetch import pull
from ..report.gate import EXIT_ERROR, EXIT_OK
from ..report.pull import render_pull
from .common import add_color_argument, positive_int, seconds, write_text

NAME = "pull"
HELP = "read security groups, rules and interfaces from Alibaba Cloud or AWS (read-only)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (p.description or "") + "\n\n" + textwrap.fill(
        "Read an account's security groups (every page), their rules, the prefix lists and "
        "port lists the rules name, and the network interfaces, through the cloud's official "
        "SDK (alibabacloud-ecs20140526 or boto3), and write them as the JSON every command "
        "reads. Only read-only calls are made: DescribeSecurityGroups, "
        "DescribeSecurityGroupAttribute, DescribePrefixListAttributes, "
        "DescribePortRangeListEntries, DescribeNetworkInterfaces (AWS: DescribeSecurityGroups, "
        "DescribeNetworkInterfaces, DescribeManagedPrefixLists, GetManagedPrefixListEntries); "
        "a RAM or IAM policy granting only these is enough (docs/pull.md). Credentials come "
        "from the SDK's default chain. Without writing anything, every command also takes "
        "aliyun://REGION[/VPC] or aws://REGION[/VPC] as an inventory.", 79)
    p.add_argument("provider", choices=PROVIDERS, help="the cloud: aliyun or aws")
    p.add_argument("--region", action="append", required=True, metavar="REGION",
                   help="a region to read (repeat for several), e.g. cn-hangzhou, eu-west-1")
    p.add_argument("--vpc", metavar="VPC", help="read only this VPC's groups and interfaces")
    p.add_argument("--group", action="append", default=[], metavar="SG",
                   help="read only this group (repeat for several) and the interfaces in them")
    p.add_argument("--output", metavar="DIR",
                   help="the folder to write (default: PROVIDER-REGION); it must be new, empty "
                        "or an earlier pull, and is replaced only once everything was read")
    p.add_argument("--endpoint", metavar="URL",
                   help="a private or test endpoint, e.g. https://ecs-vpc.cn-hangzhou.aliyuncs"
                        ".com (default: the public one; also " + " / ".join(ENDPOINT_ENV.values())
                        + ")")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="the most time retries of throttled or failed calls may take in all "
                        "(default 300, also SGVERIFY_PULL_TIMEOUT)")
    p.add_argument("--page-size", type=positive_int, metavar="N",
                   help="items per API page (default: each API's largest)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="the summary printed: text (default) or the manifest as JSON")
    add_color_argument(p)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    endpoint = args.endpoint or os.environ.get(ENDPOINT_ENV[args.provider]) or None
    request = PullRequest(args.provider, tuple(dict.fromkeys(r.lower() for r in args.region)),
                          args.vpc, tuple(args.group), endpoint,
                          args.timeout or budget_from_env(), args.page_size)
    folder = args.output or f"{args.provider}-{request.regions[0]}"
    tty = bool(getattr(stderr, "isatty", lambda: False)())

    def progress(text: str) -> None:
        if tty:
            stderr.write(f"\r{text}\033[K")
            stderr.flush()

    try:
        pulled = pull(request, progress)
        if tty:
            stderr.write("\r\033[K")
        write_pulled(pulled, folder)
    except PullError as exc:
        if tty:
            stderr.write("\r\033[K")
        stderr.write(f"sgverify: error[{exc.code}]: {exc.message}\n"
                     f"sgverify pull: nothing written to {folder}\n")
        return EXIT_ERROR
    write_text(render_pull(pulled.manifest, folder, args.format), None, stdout)
    return EXIT_OK
