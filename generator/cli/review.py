"""`casebook diff`: what a change does to the cases, for a pull request."""

from __future__ import annotations

import os
import sys

import click

from generator.cli.common import Context, fail, pass_context
from generator.cli.options import format_option


@click.command()
@click.argument("base_ref", metavar="BASE")
@click.argument("head_ref", metavar="[HEAD]", required=False)
@format_option(["markdown", "text", "json", "github"], None,
               help="markdown for a pull request, text for a terminal, json for tools, github "
                    "for workflow annotations. Default: text, or markdown in CI (CI or "
                    "GITHUB_ACTIONS set) when not writing to a terminal.")
@pass_context
def diff(ctx: Context, base_ref: str, head_ref: str | None, fmt: str | None) -> None:
    """Summarise what changed between BASE and HEAD (default: the working tree), for a
    pull request: new, closed and reopened cases, stage moves, every changed field."""
    from generator.checks.corpus import load_corpus
    from generator.review.compare import (
        CompareError,
        default_format,
        render_summary,
        snapshots,
        summarize,
    )

    config = ctx.config
    corpus = None if head_ref else load_corpus(config)
    try:
        base, head, origin = snapshots(config, corpus, base_ref, head_ref)
    except CompareError as err:
        fail(str(err))
    chosen = fmt or default_format(os.environ, sys.stdout.isatty())
    click.echo(render_summary(summarize(base, head, origin=origin), chosen), nl=False)
