"""The `casebook` command: parse arguments, call the library, print, pick the exit code.

Exit codes: 0 clean; 1 the cases have errors (or warnings, with --strict);
2 a usage or configuration error.

Each command lives with the others of its kind: `check` (validate, fmt, rules),
`site` (build, leakcheck, schema), `cases` (new, history, blame), `review`
(diff) and `data` (import, duplicates, export); `options` holds the options
several of them take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from generator.cli import cases, check, data, query, review, site
from generator.cli.common import EXIT_USAGE, Context

__all__ = ["EXIT_USAGE", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The mkdocs.yml holding the casebook settings (default: the nearest one "
                   "in this folder or above).")
@click.version_option(package_name="casebook")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None) -> None:
    """casebook: a git-backed knowledge base of civilian-harm incidents.

    Each incident is a Markdown file with YAML front matter in cases/. These
    commands check the files and describe their format.
    """
    ctx.obj = Context(config_file)


for _command in (check.validate, check.fmt, check.rules_command, site.build, site.leakcheck,
                 site.schema, cases.new, cases.history, cases.blame, review.diff,
                 query.list_command, query.show):
    cli.add_command(_command)
cli.add_command(data.import_command)
cli.add_command(data.duplicates)
cli.add_command(data.export)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `casebook` console script."""
    return cli.main(args=argv, prog_name="casebook")
