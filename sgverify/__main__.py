"""``python -m sgverify`` runs the command line."""

from .cli import main

main()
