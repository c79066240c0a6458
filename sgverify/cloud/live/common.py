"""What pulling from either cloud shares: the ``aliyun://`` / ``aws://`` inventory URIs,
the request, the error every failure becomes (E006 SDK missing, E007 an API call failed),
retries with backoff under one bounded total time, and writing a pull to a folder all at
once (a temporary folder renamed into place: a failed pull writes nothing).

Only read calls (Describe*, Get*) are ever made; the provider modules hold them.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ...core.files import is_live_uri
from ...core.version import __version__

PROVIDERS = ("aliyun", "aws")
DEFAULT_BUDGET = 300.0  # seconds for all retries of one pull (SGVERIFY_PULL_TIMEOUT)
BACKOFF_FIRST = 0.2     # seconds before the first retry, doubled each time up to BACKOFF_MAX
BACKOFF_MAX = 8.0
MANIFEST = "manifest.json"
MANIFEST_KIND = "sgverify-pull-manifest"
ENDPOINT_ENV = {"aliyun": "SGVERIFY_ALIYUN_ENDPOINT", "aws": "SGVERIFY_AWS_ENDPOINT"}

T = TypeVar("T")


class PullError(Exception):
    """A pull that cannot finish: ``code`` E006 (the SDK is not installed) or E007 (an API
    call failed, was denied or kept failing); the message names the API, the permission
    and the region."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PullRequest:
    """What to read: one provider, its regions, at most one VPC, optionally some groups."""

    provider: str
    regions: tuple[str, ...]
    vpc: str | None = None
    groups: tuple[str, ...] = ()
    endpoint: str | None = None  # a private or test endpoint (URL); None: the public one
    budget: float = DEFAULT_BUDGET  # seconds: all retries of the pull together
    page_size: int | None = None    # None: each API's largest page


@dataclass
class Pulled:
    """A finished pull: file name -> JSON value (the shapes the importers read), and the
    manifest (what was read, when, through which API versions, how much)."""

    files: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass
class Calls:
    """Counts of one pull, for the manifest and the tests: calls made and retries."""

    calls: int = 0
    retries: int = 0
    by_api: dict[str, int] = field(default_factory=dict)


def parse_uri(text: str) -> PullRequest:
    """``aliyun://REGION[/VPC]`` or ``aws://REGION[/VPC]`` as a request (the endpoint from
    SGVERIFY_ALIYUN_ENDPOINT / SGVERIFY_AWS_ENDPOINT); PullError(E007) when malformed."""
    m = re.fullmatch(r"(aliyun|aws)://([a-z0-9][a-z0-9-]*)(?:/([A-Za-z0-9_-]+))?/?", text.strip(),
                     re.IGNORECASE)
    if not is_live_uri(text) or m is None:
        raise PullError("E007", f"{text}: not a live inventory; write aliyun://REGION[/VPC] or "
                        "aws://REGION[/VPC], for example aliyun://cn-hangzhou/vpc-bp1...")
    provider = m.group(1).lower()
    return PullRequest(provider, (m.group(2).lower(),), m.group(3),
                       endpoint=os.environ.get(ENDPOINT_ENV[provider]) or None,
                       budget=budget_from_env())


def budget_from_env() -> float:
    text = os.environ.get("SGVERIFY_PULL_TIMEOUT", "")
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_BUDGET
    return value if value > 0 else DEFAULT_BUDGET


class Retrier:
    """Calls an API with retries: a transient failure (throttling, 5xx, a dropped
    connection) is tried again after a growing, jittered pause, while the pull's total
    time stays within its budget; anything else, or the budget spent, is PullError."""

    def __init__(self, budget: float, calls: Calls,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.deadline = clock() + budget
        self.budget = budget
        self.calls = calls
        self.sleep = sleep

    def run(self, api: str, call: Callable[[], T], transient: Callable[[Exception], bool],
            failure: Callable[[Exception], PullError]) -> T:
        attempt = 0
        while True:
            self.calls.calls += 1
            self.calls.by_api[api] = self.calls.by_api.get(api, 0) + 1
            try:
                return call()
            except PullError:
                raise
            except Exception as exc:  # the SDKs raise many kinds; each is sorted below
                if not transient(exc):
                    raise failure(exc) from None
                pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** attempt) * (0.5 + random.random() / 2)
                if self.clock() + pause > self.deadline:
                    err = failure(exc)
                    raise PullError(err.code, f"{err.message} (still failing after {attempt + 1} "
                                    f"attempt(s) within the pull's {self.budget:g} s; "
                                    "SGVERIFY_PULL_TIMEOUT sets the limit)") from None
                attempt += 1
                self.calls.retries += 1
                self.sleep(pause)


def keep(value: dict, fields: frozenset[str] | set[str]) -> dict:
    """``value`` with only the keys sgverify reads (newer API fields would be warned about
    as unknown) and no empty values."""
    return {k: v for k, v in value.items() if k in fields and v is not None}


def write_pulled(pulled: Pulled, folder: str) -> list[str]:
    """Write every file of ``pulled`` and the manifest into ``folder`` at once: into a new
    temporary folder beside it, then moved into place, so that a failure leaves no partial
    folder. An existing ``folder`` must be empty or hold an earlier pull (its manifest):
    it is replaced. Returns the paths written."""
    folder = os.path.abspath(folder)
    parent = os.path.dirname(folder)
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            raise PullError("E007", f"{folder} exists and is not a folder: nothing written")
        names = os.listdir(folder)
        if names and MANIFEST not in names:
            raise PullError("E007", f"{folder} is not empty and holds no earlier pull "
                            f"({MANIFEST}): nothing written (give an empty or new folder)")
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".sgverify-pull-", dir=parent)
    try:
        written = []
        for name, value in sorted({**pulled.files, MANIFEST: pulled.manifest}.items()):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(value, fh, indent=1, sort_keys=False, ensure_ascii=False)
                fh.write("\n")
            written.append(os.path.join(folder, name))
        if os.path.exists(folder):
            old = tempfile.mkdtemp(prefix=".sgverify-old-", dir=parent)
            os.rename(folder, os.path.join(old, "pull"))
            os.rename(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise PullError("E007", f"cannot write {folder}: {exc.strerror or exc}; nothing "
                        "written") from None
    return written


def manifest(request: PullRequest, apis: dict[str, str], counts: dict[str, int],
             calls: Calls, started: float, account: str | None, files: list[str]) -> dict:
    """The manifest of a pull (``manifest.json``): the importers skip it."""
    return {"kind": MANIFEST_KIND, "sgverify": __version__, "provider": request.provider,
            "account": account, "regions": list(request.regions), "vpc": request.vpc,
            "groups": list(request.groups), "endpoint": request.endpoint,
            "started": _utc(started), "finished": _utc(time.time()),
            "apis": apis, "counts": counts,
            "calls": {"total": calls.calls, "retries": calls.retries,
                      "by_api": dict(sorted(calls.by_api.items()))},
            "files": sorted(files)}


def is_manifest(value: object) -> bool:
    return isinstance(value, dict) and value.get("kind") == MANIFEST_KIND


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
