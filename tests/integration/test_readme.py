"""The README works as written: its shell examples run, in order, against a launched system.

Every fenced block of README.md is classified: a shell block (```bash, ```sh, ...) is either run
here, command by command, or listed in ``NOT_RUN`` with the reason CI cannot run it; any other
block must say what it is (```json, ```text). A new or changed shell block therefore fails this
test until it runs or is listed. The test may only fill in what the README leaves to the reader,
and each such rule is declared below (``localhost:9000`` is the launched system's port, ``…``
the admin password or token, ``<job id>`` / ``<run id>`` the ids the previous examples printed);
any other placeholder fails. A curl example passes when it answers 2xx; a ``manage.py`` example
when it exits 0. The CLI runs from the checkout with ``TC2_DATA_DIR`` naming the launched
system's data directory (as ``make run`` and the CLI share ./TC2_data), and must leave the
checkout as it found it (no secret key, database or price files written into it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tc2.env.trading_settings import DEFAULT_SYMBOLS
from tests.integration.system import PROJECT_DIR, RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

README = PROJECT_DIR / "README.md"
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "zsh"}
OTHER_LANGUAGES = {"json", "text"}
PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository

# Shell blocks CI does not run, by their first line, with the reason. Change a block and its
# entry must be revisited: the test fails until the new first line is run or listed.
NOT_RUN = {
    "make run     # creates .venv, installs pinned requirements, builds the web panel, prepares "
    "TC2_data/, starts everything": (
        "`make run` serves in the foreground until Ctrl-C: this test launches the same "
        "`manage.py launch` (tests/integration/system.py); `make test` is CI itself"
    ),
    'TC2_ADMIN_PASSWORD="$(cat ~/.tc2-admin-password)" make run   # applied on every start; '
    "changing it revokes old refresh tokens": (
        "`make run` again, with a password from the user's home: the launch here sets "
        "TC2_ADMIN_PASSWORD the same way"
    ),
    "make frontend       # npm ci when package-lock.json changed, npm run build when anything "
    "under frontend/ did": (
        "the panel's build and test targets: `make test` runs them (make frontend, "
        "test-frontend, test-e2e)"
    ),
    "python manage.py runworker --workers 4": (
        "a worker pool that runs until stopped, for other machines: "
        "tests/webpanel/test_jobs_*.py run the same worker class"
    ),
    "cp .env.example .env     # then set TC2_SECRET_KEY, POSTGRES_PASSWORD, MONGO_ROOT_USER, "
    "MONGO_ROOT_PASSWORD": (
        "needs a Docker engine, which CI has not: tests/unit/test_deployment_files.py checks "
        "the compose file, .env.example, the Dockerfiles and nginx.conf"
    ),
}

HEREDOC = re.compile(r"cat > ([\w.-]+) <<'(\w+)'")
PLACEHOLDER = re.compile(r"…|<[a-z][a-z ]*>")
README_HOST = "localhost:9000"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    text: str

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0].strip() if self.text.strip() else ""


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, with its language ("" when the fence names none)."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^\s*```(\S*)\s*$", lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        assert end < len(lines), f"README.md:{index + 1}: a fenced block is never closed"
        blocks.append(Block(index + 1, opening.group(1).lower(), "\n".join(lines[index + 1 : end])))
        index = end + 1
    return blocks


def commands(block: Block) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment lines dropped."""
    found: list[str] = []
    pending = ""
    heredoc: list[str] = []  # a file the reader writes: `cat > name <<'END'` ... `END`
    for raw in block.text.splitlines():
        line = raw.rstrip()
        if heredoc:
            heredoc.append(raw)
            if line == HEREDOC.fullmatch(heredoc[0]).group(2):  # type: ignore[union-attr]
                found.append("\n".join(heredoc))
                heredoc = []
            continue
        if HEREDOC.fullmatch(line):
            heredoc = [line]
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line and not line.startswith("#"):
            found.append(line)
    assert not pending, f"README.md:{block.line}: a command ends with a continuation"
    assert not heredoc, f"README.md:{block.line}: a here-document is never closed"
    return found


def shell_blocks() -> list[Block]:
    return [b for b in readme_blocks(README.read_text()) if b.language in SHELL_LANGUAGES]


# --- What the test may fill in ---------------------------------------------------------------


@dataclass
class Reader:
    """A reader following the README: the system, what the examples printed, the token."""

    system: RunningSystem
    environ: dict[str, str]
    workdir: Path  # the reader's own directory: files the README writes, curl's uploads
    last_json: Any = None
    token: str | None = None
    job_id: str | None = None
    run_id: str | None = None
    ran: list[str] = field(default_factory=list)

    def run(self, command: str) -> None:
        command = command.replace(README_HOST, f"127.0.0.1:{self.system.port}")
        assert ":9000" not in command, f"a port the test cannot map: {command}"
        if re.fullmatch(r"export TOKEN=…(\s+#.*)?", command):
            assert isinstance(self.last_json, dict) and "access" in self.last_json, self.last_json
            self.token = str(self.last_json["access"])
            self.ran.append(command)
            return
        if (written := HEREDOC.match(command)) is not None:
            body = command.split("\n")[1:-1]
            (self.workdir / written.group(1)).write_text("\n".join(body) + "\n")
            self.ran.append(command)
            return
        command = self._fill_in(command)
        words = shlex.split(command, comments=True)
        if words[0] == "curl":
            self._curl(command)
        elif words[:2] in ([".venv/bin/python", "manage.py"], ["python", "manage.py"]):
            self._manage(words)
        else:
            raise AssertionError(
                f"the test does not know how to run this README command: {command}"
            )
        self.ran.append(command)

    def _fill_in(self, command: str) -> str:
        command = command.replace('"password": "…"', f'"password": "{PASSWORD}"')
        if "<job id>" in command:
            assert self.job_id, f"no job was created before: {command}"
            command = command.replace("<job id>", self.job_id)
        if "<run id>" in command:
            assert self.run_id, f"no run was created before: {command}"
            self._wait_for_run(self.run_id)
            command = command.replace("<run id>", self.run_id)
        unknown = PLACEHOLDER.findall(command)
        assert not unknown, f"a placeholder the test cannot fill in, {unknown}: {command}"
        return command

    def _curl(self, command: str) -> None:
        shown = command.replace(PASSWORD, "***")
        written = command.replace("curl ", "curl -w '\\n%{http_code}' ", 1)
        done = subprocess.run(
            ["bash", "-c", written],
            cwd=self.workdir,
            env={**self.environ, "TOKEN": self.token or ""},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{shown}\nexit {done.returncode}: {done.stderr}"
        body, _, status = done.stdout.rpartition("\n")
        assert status.isdigit() and int(status) < 400, f"{shown}\nanswered {status}: {body}"
        self.last_json = json.loads(body) if body.strip() else None
        if isinstance(self.last_json, dict) and "id" in self.last_json:
            if "job_id" in self.last_json:  # a strategy run
                self.run_id = str(self.last_json["id"])
            elif "type" in self.last_json:  # a job
                self.job_id = str(self.last_json["id"])

    def _manage(self, words: list[str]) -> None:
        # The README's interpreter is the checkout's virtualenv; CI's may live elsewhere.
        python = PROJECT_DIR / ".venv" / "bin" / "python"
        argv = [str(python) if python.exists() else "python", *words[1:]]
        done = subprocess.run(
            argv, cwd=PROJECT_DIR, env=self.environ, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{' '.join(words)}\nexit {done.returncode}:\n{done.stderr}"

    def _wait_for_run(self, run_id: str) -> None:
        def finished() -> dict[str, Any] | None:
            body = self.system.request("GET", f"/api/strategy/runs/{run_id}", token=self.token)[2]
            return body if body.get("status") in ("succeeded", "failed", "canceled") else None

        run = wait_for(finished, timeout=180)
        assert run and run["status"] == "succeeded", run


# --- The tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("readme") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


def test_every_block_says_what_it_is():
    untagged = [
        f"README.md:{block.line}"
        for block in readme_blocks(README.read_text())
        if block.language not in SHELL_LANGUAGES | OTHER_LANGUAGES
    ]
    assert untagged == [], "fenced blocks without a known language: " + ", ".join(untagged)


def test_every_block_listed_as_not_run_is_in_the_readme():
    first_lines = {block.first_line for block in shell_blocks()}
    assert sorted(set(NOT_RUN) - first_lines) == []


def test_the_readme_shell_examples_run_as_printed(system: RunningSystem, tmp_path: Path):
    checkout_state = _tracked_and_ignored_files()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TC2_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environ.update({"TC2_DATA_DIR": str(system.data_dir), "TC2_ENV_FILE": ""})
    workdir = tmp_path / "reader"
    workdir.mkdir()
    reader = Reader(system=system, environ=environ, workdir=workdir)
    runnable = [
        command
        for block in shell_blocks()
        if block.first_line not in NOT_RUN
        for command in commands(block)
    ]

    for command in runnable:
        reader.run(command)

    assert len(reader.ran) == len(runnable) > 0
    # The settings example adds a symbol: the default universe is still there.
    universe = system.request("GET", "/api/settings", token=reader.token)[2]["symbols"]
    assert set(DEFAULT_SYMBOLS) < set(universe), universe
    assert _tracked_and_ignored_files() == checkout_state


def _tracked_and_ignored_files() -> str:
    """The checkout's state, ignored files included (TC2_data/, where `make run` keeps its own)."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "TC2_data"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
