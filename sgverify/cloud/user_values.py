"""The values a user supplies for the inputs of the files they import: Terraform
variables and ROS parameters. Kept apart (no parser imported) so that the commands can
take them without loading the readers."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class InputValues:
    """Values a user supplies for the inputs of the files: Terraform variables
    (``--var NAME=VALUE``, ``--var-file``, and ``TF_VAR_*`` from ``env``; None: the
    process environment) and ROS parameters (``--parameter NAME=VALUE``)."""

    variables: tuple[tuple[str, str], ...] = ()
    var_files: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] | None = None

    def environment(self) -> dict[str, str]:
        return dict(os.environ if self.env is None else self.env)
