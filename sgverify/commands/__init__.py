"""One module per subcommand. Each defines NAME, HELP, add_arguments(parser) and
run(args, stdout, stderr) -> exit code; ``COMMANDS`` lists them in help order."""

from . import check, explain, init

COMMANDS = [check, explain, init]
