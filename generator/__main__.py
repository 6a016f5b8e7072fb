"""`python -m generator` is the `casebook` command."""

from generator.cli.main import main

if __name__ == "__main__":
    main()
