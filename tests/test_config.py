"""Settings come from the casebook entry of mkdocs.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import ConfigError, load_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_mkdocs_yml(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.source is None
    assert config.settings.id_prefix == "CH"
    assert config.cases_dir == tmp_path.resolve() / "cases"


def test_found_in_a_parent_folder(tmp_path: Path) -> None:
    _write(tmp_path, "site_name: S\nplugins:\n  - casebook:\n      id_prefix: XY\n")
    nested = tmp_path / "cases" / "deeper"
    nested.mkdir(parents=True)
    config = load_config(start=nested)
    assert config.root == tmp_path.resolve()
    assert config.settings.id_prefix == "XY"
    assert config.site_name == "S"


def test_plugin_as_plain_name_and_as_mapping(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "plugins:\n  - search\n  - casebook\n")
                       ).settings.cases_dir == "cases"
    config = load_config(_write(tmp_path, "plugins:\n  casebook:\n    cases_dir: records\n"))
    assert config.cases_dir == tmp_path.resolve() / "records"


def test_other_plugins_tags_are_tolerated(tmp_path: Path) -> None:
    path = _write(tmp_path, "site_name: !ENV [NAME, fallback]\n"
                            "markdown_extensions:\n  - pymdownx.emoji:\n"
                            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
                            "plugins:\n  - casebook:\n      stalled_days: 30\n"
                            "docs_dir: .generated/docs\n")
    config = load_config(path)
    assert config.settings.stalled_days == 30
    assert config.generated_dir == tmp_path.resolve() / ".generated" / "docs"


@pytest.mark.parametrize(("text", "message"), [
    ("plugins:\n  - casebook:\n      id_prefx: CH\n", "plugins.casebook.id_prefx"),
    ("plugins:\n  - casebook:\n      id_prefix: ch\n", "plugins.casebook.id_prefix"),
    ("plugins:\n  - casebook:\n      max_file_bytes: -1\n", "plugins.casebook.max_file_bytes"),
    ("plugins: [\n", "not valid YAML"),
    ("- a list\n", "expected a mapping"),
])
def test_invalid_settings_raise_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(_write(tmp_path, text))
