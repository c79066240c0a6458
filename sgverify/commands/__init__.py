"""One module per subcommand. Each defines NAME, HELP, add_arguments(parser) and
run(args, stdout, stderr) -> exit code (``lsp``'s is in the integrations layer, beside the
server, since this layer may not import it). ``REGISTRY`` lists them in help order; a module is
imported only when its command runs (starting sgverify stays fast)."""

from __future__ import annotations

import importlib
from types import ModuleType

# (command, module, one-line help); the help is repeated from each module's HELP (a test
# keeps them equal) so that `sgverify --help` needs no module.
REGISTRY: tuple[tuple[str, str, str], ...] = (
    ("check", "check", "prove every assertion in .sgv files or folders"),
    ("explain", "explain", "show the verdict and deciding rule for concrete flows (one, a file "
                           "of them, or a flow log)"),
    ("init", "init", "write a starter specs/ folder and sgverify.toml (never overwrites files)"),
    ("import", "import_", "print cloud exports (Alibaba Cloud API JSON, Terraform, ROS, AWS) as "
                          ".sgv text"),
    ("export", "export", "write the groups of a spec as DescribeSecurityGroupAttribute JSON"),
    ("diff", "diff", "the exact difference between two policies: newly allowed and newly denied "
                     "flows"),
    ("lint", "lint", "proved rule hygiene: dead, redundant, tied, overly broad and cloud-invalid "
                     "rules"),
    ("audit", "audit", "check the built-in controls on every group and interface of an inventory"),
    ("reach", "reach", "who can reach whom across an inventory, on what (with witnesses)"),
    ("pull", "pull", "read security groups, rules and interfaces from Alibaba Cloud or AWS "
                     "(read-only)"),
    ("fix", "fix", "the smallest proved repair of violated assertions, with no collateral change"),
    ("completion", "completion", "print the shell completion script for bash, zsh or tcsh "
                                 "(the 'completion' extra)"),
    ("man", "man", "print the manual page sgverify.1, made from the options (the 'completion' "
                   "extra)"),
    # The language server lives in the integrations layer (above this one): named in full.
    ("lsp", "sgverify.integrations.lsp.command",
     "serve the Language Server Protocol over stdio (diagnostics and proofs in your editor)"),
)


# Examples shown at the end of each command's --help.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "check": ("sgverify check specs/", "sgverify check web.sgv --format sarif --output check.sarif",
              "sgverify check specs/ --fail-on violated --timeout 30"),
    "explain": ('sgverify explain web.sgv --flow "ingress tcp 1.2.3.4:40000 -> 10.0.1.5:22"',
                "sgverify explain aliyun/ --flows flows.jsonl --format json",
                "sgverify explain estate/ --flow-log flowlogs.jsonl"),
    "init": ("sgverify init", "sgverify init my-project"),
    "import": ("sgverify import sg-web.json > web.sgv", "sgverify import main.tf --input-format hcl"),
    "export": ("sgverify export web.sgv > groups.json",),
    "diff": ("sgverify diff old.sgv new.sgv", "sgverify diff old/ new/ --fail-on new-access",
             "sgverify diff old.sgv new.sgv --expect 'ingress tcp 443 from 10.0.0.0/8'"),
    "lint": ("sgverify lint specs/", "sgverify lint aliyun/ --format sarif --output lint.sarif"),
    "audit": ("sgverify audit estate/", "sgverify audit estate/ --control SGV101 --format json",
              "sgverify audit --list-controls"),
    "reach": ("sgverify reach estate/", "sgverify reach estate/ --format html --output reach.html"),
    "pull": ("sgverify pull aliyun --region cn-hangzhou --output estate/",
             "sgverify pull aws --region eu-west-1 --vpc vpc-0abc --output estate/",
             "sgverify check specs/ aliyun://cn-hangzhou",
             "sgverify diff aliyun://cn-hangzhou/vpc-bp1example specs/"),
    "fix": ("sgverify fix web.sgv", "sgverify fix web.sgv --write",
            "sgverify fix web.sgv --format json --allow-collateral"),
    "completion": ("sgverify completion bash --output "
                   "~/.local/share/bash-completion/completions/sgverify",
                   "sgverify completion zsh --output ~/.zfunc/_sgverify",
                   "sgverify completion tcsh --output ~/.sgverify.tcsh"),
    "man": ("sgverify man --output ~/.local/share/man/man1/sgverify.1",
            "sgverify man --output docs/sgverify.1"),
    "lsp": ("sgverify lsp",),
}


def load(name: str) -> ModuleType:
    """The module of command ``name`` (a module of this package, or one named in full)."""
    module = next(m for n, m, _ in REGISTRY if n == name)
    return importlib.import_module(module if module.startswith("sgverify.")
                                   else f"{__name__}.{module}")


