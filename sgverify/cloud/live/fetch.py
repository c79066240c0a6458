"""Pulling by provider, and live URIs pulled once per run (``pull_uri``)."""

from __future__ import annotations

from collections.abc import Callable

from . import aliyun, aws
from .common import Pulled, PullRequest, parse_uri

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
