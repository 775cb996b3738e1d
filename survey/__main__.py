"""``python -m survey`` runs the command-line tool."""

from survey.cli.app import run

if __name__ == "__main__":
    run()
