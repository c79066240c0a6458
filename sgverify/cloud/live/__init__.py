"""Live inventories: security groups, rules and interfaces read through the clouds'
official SDKs (``sgverify pull``, and ``aliyun://REGION[/VPC]`` / ``aws://REGION[/VPC]``
wherever an inventory is taken). Read calls only; see docs/pull.md."""

from __future__ import annotations

from collections.abc import Callable

from . import aliyun, aws
from .common import (MANIFEST, PROVIDERS, Pulled, PullError, PullRequest, is_manifest,
                     parse_uri, write_pulled)

__all__ = ["MANIFEST", "PROVIDERS", "PullError", "PullRequest", "Pulled", "is_manifest",
           "forget", "parse_uri", "pull", "pull_uri", "write_pulled"]

_PULLED: dict[PullRequest, Pulled] = {}  # one pull per URI per process (check: many specs)


def pull(request: PullRequest, progress: Callable[[str], None] = lambda _: None) -> Pulled:
    """Read what ``request`` names from its cloud (PullError when it cannot finish)."""
    module = {"aliyun": aliyun, "aws": aws}[request.provider]
    return module.pull(request, progress)


def forget() -> None:
    """Drop the inventories pulled so far: the next ``pull_uri`` reads the cloud again."""
    _PULLED.clear()


def pull_uri(uri: str, progress: Callable[[str], None] = lambda _: None) -> Pulled:
    """The inventory ``aliyun://...`` / ``aws://...`` names, pulled into memory (once per
    process: every spec checked against it sees the same estate)."""
    request = parse_uri(uri)
    if request not in _PULLED:
        _PULLED[request] = pull(request, progress)
    return _PULLED[request]
