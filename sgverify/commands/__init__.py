"""One module per subcommand. Each defines NAME, HELP, add_arguments(parser) and
run(args, stdout, stderr) -> exit code; ``COMMANDS`` lists them in help order."""

from . import check, explain, export, import_, init

COMMANDS = [check, explain, init, import_, export]
