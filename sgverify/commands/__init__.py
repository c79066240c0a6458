"""One module per subcommand. Each defines NAME, HELP, add_arguments(parser) and
run(args, stdout, stderr) -> exit code; ``COMMANDS`` lists them in help order."""

from . import check, diff, explain, export, import_, init, lint

COMMANDS = [check, explain, init, import_, export]
COMMANDS += [diff, lint]
from . import audit, reach  # noqa: E402  (fleet audit and reachability)
COMMANDS += [audit, reach]
