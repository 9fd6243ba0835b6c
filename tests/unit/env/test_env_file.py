"""Reading .env: the one configuration file for both profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tc2.env.config import read_env_file
from tc2.errors import ConfigurationError


def test_reads_keys_comments_quotes_and_empty_values(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\n\nTC2_PORT=9100\nexport TC2_HOST=0.0.0.0\nTC2_ADMIN_PASSWORD='a b#c'\n"
        'TC2_SECRET_KEY="x=y"\nTC2_DATA_DIR=\n'
    )
    assert read_env_file(env_file) == {
        "TC2_PORT": "9100",
        "TC2_HOST": "0.0.0.0",
        "TC2_ADMIN_PASSWORD": "a b#c",
        "TC2_SECRET_KEY": "x=y",
        "TC2_DATA_DIR": "",
    }


@pytest.mark.parametrize("line", ["JUST_A_WORD", "BAD KEY=1", "=value"])
def test_a_line_that_is_not_key_value_names_its_line_number(tmp_path: Path, line: str):
    env_file = tmp_path / ".env"
    env_file.write_text(f"OK=1\n{line}\n")
    with pytest.raises(ConfigurationError, match=r"\.env:2: expected KEY=value"):
        read_env_file(env_file)


def test_the_example_file_parses(tmp_path: Path):
    example = Path(__file__).resolve().parents[3] / ".env.example"
    values = read_env_file(example)
    assert values["TC2_ALLOW_LIVE"] == "0"
    assert "TC2_ADMIN_PASSWORD" in values
