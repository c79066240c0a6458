"""``python -m sgverify`` runs the command line."""

from .cli import main

if __name__ == "__main__":  # not again in a process that multiprocessing starts by spawning
    main()
