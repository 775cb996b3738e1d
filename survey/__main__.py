"""``python -m survey`` runs the command-line tool."""

from survey.cli import main

if __name__ == "__main__":
    main()
