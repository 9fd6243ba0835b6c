"""The secret key is made by ``setup`` alone; the web server will not sign with a made-up one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tc2.env.config import PROJECT_DIR


def _fresh_environ(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TC2_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {**env, "TC2_DATA_DIR": str(data_dir), "TC2_ENV_FILE": ""}


def test_the_web_server_refuses_to_start_before_setup(tmp_path: Path):
    data_dir = tmp_path / "never-set-up"

    done = subprocess.run(
        [sys.executable, "-c", "import webpanel.wsgi"],
        cwd=PROJECT_DIR,
        env=_fresh_environ(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert f"no secret key in {data_dir / 'secret_key'}: run `manage.py setup`" in done.stderr
    assert not (data_dir / "secret_key").exists()


def test_setup_makes_the_key_once_and_owner_only(tmp_path: Path):
    data_dir = tmp_path / "data"
    env = _fresh_environ(data_dir)

    keys = []
    for _ in range(2):
        subprocess.run(
            [sys.executable, "manage.py", "setup"],
            cwd=PROJECT_DIR,
            env={**env, "TC2_ADMIN_PASSWORD": "a-long-enough-test-password-1"},
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
        keys.append((data_dir / "secret_key").read_text())

    assert len(keys[0]) >= 32 and keys[0] == keys[1]
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
