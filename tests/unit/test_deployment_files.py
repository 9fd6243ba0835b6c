"""Static checks of the compose-profile deployment files.

No Docker engine is needed: docker-compose.yml, .env.example, both Dockerfiles, .dockerignore,
nginx.conf and the web panel's package and lock files are parsed, and the properties that keep a
deployment working (and its secrets out of the repository) are asserted.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "nginx" / "nginx.conf"
NGINX_DOCKERFILE = ROOT / "nginx" / "Dockerfile"
FRONTEND = ROOT / "frontend"

SERVICES = {"redis", "mongo", "postgres", "backend", "program", "nginx"}
TC2_SERVICES = ("backend", "program")
BACKING_SERVICES = ("redis", "mongo", "postgres")
HEALTH_URL = "http://127.0.0.1:9000/healthz"
# Secrets compose must refuse to start without (${VAR:?message} at every use).
REQUIRED_SECRETS = {"TC2_SECRET_KEY", "POSTGRES_PASSWORD", "MONGO_ROOT_USER", "MONGO_ROOT_PASSWORD"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET", re.IGNORECASE)
ACCOUNT_NAME = re.compile(r"PASSWORD|SECRET|USER", re.IGNORECASE)
# State on the host: service -> {host path: container path}.
BIND_MOUNTS = {
    "redis": {"./TC2_data/redis": "/data"},
    "mongo": {"./TC2_data/mongo": "/data/db"},
    "postgres": {"./TC2_data/postgres": "/var/lib/postgresql/data"},
    "backend": {"./TC2_data/logs": "/data/logs", "./TC2_data/prices": "/data/prices"},
    "program": {"./TC2_data/logs": "/data/logs", "./TC2_data/prices": "/data/prices"},
}
TC2_UID = "10001"


# ---------------------------------------------------------------------- interpolation


@dataclass(frozen=True)
class Interpolation:
    """One ``$VAR`` / ``${VAR}`` / ``${VAR<op><arg>}`` reference in a compose value."""

    name: str
    op: str  # "", ":-", "-", ":?", "?", ":+", "+"
    arg: str
    text: str  # the whole reference as written


_OPEN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolations(value: str) -> list[Interpolation]:
    """Every variable compose substitutes in ``value`` ($$ is a literal $), nested ones too."""
    found: list[Interpolation] = []
    i = 0
    while i < len(value):
        if value[i] != "$":
            i += 1
            continue
        if value.startswith("$$", i):
            i += 2
            continue
        braced = _OPEN.match(value, i)
        if braced:
            depth, j = 1, braced.end()
            while j < len(value) and depth:
                if value.startswith("${", j):
                    depth, j = depth + 1, j + 2
                    continue
                depth -= value[j] == "}"
                j += 1
            assert depth == 0, f"unterminated interpolation in {value!r}"
            arg = value[braced.end() : j - 1]
            found.append(Interpolation(braced[1], braced[2] or "", arg, value[i:j]))
            found.extend(interpolations(arg))
            i = j
            continue
        bare = _BARE.match(value, i)
        if bare:
            found.append(Interpolation(bare[1], "", "", bare[0]))
            i = bare.end()
            continue
        i += 1
    return found


def _single_interpolation(value: str) -> Interpolation | None:
    """The interpolation when ``value`` is exactly one reference and nothing else."""
    refs = interpolations(value)
    return refs[0] if refs and refs[0].text == value else None


def _strings(node: Any) -> Iterator[str]:
    """Every key and scalar in a parsed YAML document, as strings."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif node is not None:
        yield str(node)


def test_interpolation_scanner() -> None:
    refs = interpolations("a${A:?need A}b$${NOT}c${B:-${C}}$D")
    assert [(r.name, r.op, r.arg) for r in refs] == [
        ("A", ":?", "need A"),
        ("B", ":-", "${C}"),
        ("C", "", ""),
        ("D", "", ""),
    ]
    assert _single_interpolation("${X:?m}") == Interpolation("X", ":?", "m", "${X:?m}")
    assert _single_interpolation("x${X}") is None
    assert _single_interpolation("$${X}") is None


# --------------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a dict, whether written as a mapping or a KEY=value list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {key: value for key, value in pairs}
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """source -> target of a service's short-syntax volumes."""
    mounts = {}
    for entry in service.get("volumes") or []:
        assert isinstance(entry, str), f"use the short volume syntax: {entry!r}"
        source, target = entry.split(":")[:2]
        mounts[source] = target
    return mounts


def _ports(service: dict[str, Any]) -> list[str]:
    return [str(port) for port in service.get("ports") or []]


def test_compose_uses_the_compose_spec_without_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_exactly_the_expected_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES


def test_every_service_is_on_the_tc2_network(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert compose["networks"] == {"tc2": {"name": "tc2"}}
    for name, svc in services.items():
        networks = svc.get("networks")
        assert networks is not None, f"{name} is not on a network of its own choosing"
        assert set(networks) == {"tc2"}, f"{name} networks: {networks}"


def test_published_ports(services: dict[str, dict[str, Any]]) -> None:
    publishing = {name: _ports(svc) for name, svc in services.items() if svc.get("ports")}
    assert publishing == {
        "nginx": ["${TC2_PANEL_PORT:-9100}:80"],
        # The API for scripts on the host, never on the network.
        "backend": ["127.0.0.1:9000:9000"],
    }


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_health_check(services: dict[str, dict[str, Any]], name: str) -> None:
    check = services[name].get("healthcheck")
    assert isinstance(check, dict), f"{name} has no healthcheck"
    assert not check.get("disable"), f"{name} disables its healthcheck"
    test = check.get("test")
    assert isinstance(test, list) and test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, test


def test_health_checks_probe_the_right_thing(services: dict[str, dict[str, Any]]) -> None:
    def probe(name: str) -> str:
        return " ".join(services[name]["healthcheck"]["test"][1:])

    assert "redis-cli ping" in probe("redis")
    assert "ping" in probe("mongo") and probe("mongo").startswith("mongosh")
    assert probe("postgres").startswith("pg_isready")
    assert HEALTH_URL in probe("backend")
    assert probe("program") == "python manage.py programstatus --check"
    assert "http://127.0.0.1/" in probe("nginx")


EXPECTED_DEPENDENCIES = {
    "backend": {"redis", "mongo", "postgres"},
    # backend healthy = setup has migrated the database.
    "program": {"backend", "redis", "mongo", "postgres"},
    "nginx": {"backend"},
}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_depends_on_waits_for_healthy_services(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends = services[name].get("depends_on")
    expected = EXPECTED_DEPENDENCIES.get(name, set())
    if not expected:
        assert not depends, f"{name} should not wait for anything"
        return
    assert isinstance(depends, dict), f"{name}.depends_on needs the long form with conditions"
    assert set(depends) == expected
    for target, rule in depends.items():
        assert (rule or {}).get("condition") == "service_healthy", f"{name} -> {target}"
        check = services[target].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{target} has no health check"


def test_redis_keeps_an_append_only_file(services: dict[str, dict[str, Any]]) -> None:
    command = _command(services["redis"])
    assert command[0] == "redis-server"
    assert "--appendonly" in command
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_comes_back_after_a_crash(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    # The compose profile's answer to a kill -9 (Redis included): the container restarts and
    # the TC2 processes reconnect to it.
    assert services[name].get("restart") == "unless-stopped"


def test_mongo_root_user_comes_from_env(services: dict[str, dict[str, Any]]) -> None:
    env = _environment(services["mongo"])
    user = _single_interpolation(env.get("MONGO_INITDB_ROOT_USERNAME", ""))
    password = _single_interpolation(env.get("MONGO_INITDB_ROOT_PASSWORD", ""))
    assert user and (user.name, user.op) == ("MONGO_ROOT_USER", ":?")
    assert password and (password.name, password.op) == ("MONGO_ROOT_PASSWORD", ":?")


@pytest.mark.parametrize("name", sorted(BIND_MOUNTS))
def test_state_is_bind_mounted_under_tc2_data(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    mounts = _mounts(services[name])
    for source, target in BIND_MOUNTS[name].items():
        assert mounts.get(source) == target, f"{name} should mount {source} at {target}"
    host_paths = {src for src in mounts if src.startswith((".", "/", "~"))}
    assert host_paths == set(BIND_MOUNTS[name]), f"{name} binds unexpected host paths"


def test_nginx_mounts_nothing(services: dict[str, dict[str, Any]]) -> None:
    assert not services["nginx"].get("volumes")


def test_tc2_data_dir_holds_the_logs_and_prices_mounts(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert compose["x-tc2-env"]["TC2_DATA_DIR"] == "/data"
    for name in TC2_SERVICES:
        mounts = _mounts(services[name])
        # The rest of /data is one named volume both share, not one anonymous volume each.
        assert mounts.get("tc2-state") == "/data", name
    assert "tc2-state" in (compose.get("volumes") or {})


def test_tc2_data_ownership_step_is_documented() -> None:
    text = COMPOSE_FILE.read_text()
    assert f"chown {TC2_UID} TC2_data/logs TC2_data/prices" in text
    assert f"--uid {TC2_UID}" in DOCKERFILE.read_text()


def test_backend_and_program_share_image_and_environment(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    backend, program = services["backend"], services["program"]
    assert backend["image"] == program["image"]
    assert backend["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert "build" not in program, "one service builds the image, the other uses it"
    shared = compose["x-tc2-env"]
    for svc in (backend, program):
        # The same YAML anchor, not a copy that can drift.
        assert svc["environment"] is shared
        assert svc.get("init") is True
        assert {"path": ".env", "required": False} in svc.get("env_file", [])
        assert svc.get("logging") == compose["x-logging"]
    assert "image" in services["nginx"] and services["nginx"]["image"] != backend["image"]


def test_program_runs_the_one_program(services: dict[str, dict[str, Any]]) -> None:
    program = services["program"]
    assert _command(program) == ["python", "manage.py", "runprogram"]
    assert program.get("stop_grace_period") == "15s"
    assert "deploy" not in program, "exactly one TC2 program per deployment: never replicate it"
    assert interpolations(program["environment"]["TC2_JOB_WORKERS"])[0].arg == "2"


def test_backend_runs_setup_then_gunicorn(services: dict[str, dict[str, Any]]) -> None:
    command = _command(services["backend"])
    assert command[:2] == ["sh", "-c"] and len(command) == 3
    steps = [shlex.split(step) for step in command[2].split("&&")]
    assert len(steps) == 2
    assert steps[0] == ["python", "manage.py", "setup"]
    # The same gunicorn settings as `make run`: bind and workers come from the environment.
    assert steps[1] == [
        "exec",
        "gunicorn",
        "--config",
        "python:webpanel.gunicorn_conf",
        "webpanel.wsgi:application",
    ]


def test_shared_environment_wires_the_backing_services(compose: dict[str, Any]) -> None:
    env = compose["x-tc2-env"]
    services = compose["services"]
    postgres = _environment(services["postgres"])
    mongo = _environment(services["mongo"])

    def parts(url: str) -> tuple[Any, list[Interpolation]]:
        refs = interpolations(url)
        masked = url
        for n, ref in enumerate(refs):
            masked = masked.replace(ref.text, f"var{n}", 1)
        return urlsplit(masked), refs

    db, refs = parts(env["TC2_DATABASE_URL"])
    assert (db.scheme, db.hostname, db.port, db.path) == ("postgres", "postgres", 5432, "/tc2")
    assert postgres["POSTGRES_DB"] == "tc2"
    assert refs[int(db.username[3:])].text == postgres["POSTGRES_USER"]
    assert refs[int(db.password[3:])].text == postgres["POSTGRES_PASSWORD"]

    redis_url = urlsplit(env["TC2_REDIS_URL"])
    assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379)

    store, refs = parts(env["TC2_PRICE_STORE"])
    assert (store.scheme, store.hostname, store.port) == ("mongodb", "mongo", 27017)
    assert parse_qs(store.query) == {"authSource": ["admin"]}
    assert refs[int(store.username[3:])].text == mongo["MONGO_INITDB_ROOT_USERNAME"]
    assert refs[int(store.password[3:])].text == mongo["MONGO_INITDB_ROOT_PASSWORD"]

    # Exactly nginx sits in front of gunicorn: Django must trust one X-Forwarded-For hop.
    assert str(env["TC2_TRUSTED_PROXIES"]) == "1"


def _account_values(compose: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, value) of every PASSWORD/SECRET/USER variable of the TC2 env, mongo and postgres,
    and of every user and password inside a URL there."""
    sources = {
        "x-tc2-env": {k: str(v) for k, v in compose["x-tc2-env"].items()},
        "mongo": _environment(compose["services"]["mongo"]),
        "postgres": _environment(compose["services"]["postgres"]),
    }
    found = []
    for where, env in sources.items():
        for key, value in env.items():
            if ACCOUNT_NAME.search(key):
                found.append((f"{where}.{key}", value))
            refs = interpolations(value)
            masked = value
            for n, ref in enumerate(refs):
                masked = masked.replace(ref.text, f"var{n}", 1)
            url = urlsplit(masked)
            for label, part in (("user", url.username), ("password", url.password)):
                if url.scheme and part is not None:
                    assert re.fullmatch(r"var\d+", part), f"{where}.{key}: literal URL {label}"
                    found.append((f"{where}.{key} (URL {label})", refs[int(part[3:])].text))
    return found


def test_no_literal_secret_in_compose(compose: dict[str, Any]) -> None:
    values = _account_values(compose)
    wheres = {where for where, _ in values}
    assert {"postgres.POSTGRES_PASSWORD", "mongo.MONGO_INITDB_ROOT_PASSWORD"} <= wheres
    assert "x-tc2-env.TC2_PRICE_STORE (URL password)" in wheres
    for where, value in values:
        ref = _single_interpolation(value)
        assert ref, f"{where} must come from .env as one ${{VAR}}, got {value!r}"
        if SECRET_NAME.search(where):
            # A password or key never has a literal fallback (an empty one is allowed).
            assert not (ref.op in {":-", "-", ":+", "+"} and ref.arg), f"{where}: {value!r}"


def test_required_secrets_fail_fast_everywhere(compose: dict[str, Any]) -> None:
    refs = [ref for text in _strings(compose) for ref in interpolations(text)]
    seen = {ref.name for ref in refs if ref.name in REQUIRED_SECRETS}
    assert seen == REQUIRED_SECRETS
    for ref in refs:
        if ref.name in REQUIRED_SECRETS:
            assert ref.op == ":?" and ref.arg.strip(), f"{ref.text} must be ${{VAR:?message}}"


def _env_example() -> dict[str, str]:
    """Uncommented VAR=value lines of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2].strip()
    return values


def test_env_example_lists_every_variable_compose_reads(compose: dict[str, Any]) -> None:
    used = {ref.name for text in _strings(compose) for ref in interpolations(text)}
    assert used >= REQUIRED_SECRETS
    missing = sorted(used - set(_env_example()))
    assert not missing, f".env.example lacks {missing}"


def test_env_example_commits_no_secret_value() -> None:
    example = _env_example()
    secrets = {key for key in example if SECRET_NAME.search(key)} | REQUIRED_SECRETS
    for key in sorted(secrets):
        assert example.get(key, "") == "", f".env.example must leave {key} empty"
    for key, value in example.items():
        password = urlsplit(value).password if "://" in value else None
        assert not password, f".env.example: {key} holds a password"


# ------------------------------------------------------------------------------ Dockerfile


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


@dataclass
class Stage:
    base: str  # FROM's image, global ARGs substituted
    name: str | None
    instructions: list[tuple[str, str]]

    def args(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    @property
    def text(self) -> str:
        return "\n".join(f"{kw} {args}" for kw, args in self.instructions)


def _stages(path: Path) -> list[Stage]:
    instructions = _dockerfile_instructions(path.read_text())
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, args in instructions:
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args[m[1] or m[2]], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name, []))
        elif stages:
            stages[-1].instructions.append((keyword, args))
        elif keyword == "ARG":
            key, _, default = args.partition("=")
            global_args[key] = default
    assert stages, f"no FROM in {path}"
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return _stages(DOCKERFILE)


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_dockerfile_is_multi_stage(stages: list[Stage]) -> None:
    by_name = {stage.name: stage for stage in stages}
    assert by_name["frontend"].base.startswith("node:")
    assert "build-essential" in by_name["deps"].text, "compilers belong in the deps stage"
    assert stages[-1].name == "runtime"


def test_frontend_stage_builds_the_panel_with_npm_ci(stages: list[Stage]) -> None:
    frontend = {stage.name: stage for stage in stages}["frontend"]
    copies = frontend.args("COPY")
    runs = frontend.args("RUN")
    # The lock file comes first, so the dependencies' layer survives source changes.
    assert copies == ["frontend/package.json frontend/package-lock.json ./", "frontend/ ./"]
    assert runs[0] == "npm ci --no-audit --no-fund"
    build = runs[1]
    assert build.startswith("npm run build ") and "npm install" not in frontend.text
    assert "test -f dist/index.html" in build
    assert build.endswith("cp -R dist /frontend/dist")
    # glibc, like the lock file's native packages (no musl build of them is locked).
    assert frontend.base.startswith("node:20-") and "alpine" not in frontend.base


def test_runtime_is_python_slim_without_build_tools(runtime: Stage) -> None:
    # Not `FROM deps`: the runtime must start from the clean base, not inherit the compilers.
    assert runtime.base == "python:3.11-slim"
    assert not re.search(
        r"build-essential|\bgcc\b|\bg\+\+|\bmake\b|apt-get install", runtime.text
    ), "the runtime stage installs build tools"
    copies_from = {
        args.split()[0].removeprefix("--from="): args.split()[1:]
        for args in runtime.args("COPY")
        if args.startswith("--from=")
    }
    assert copies_from == {
        "deps": ["/opt/venv", "/opt/venv"],
        "frontend": ["/frontend/dist", "/app/frontend/dist"],
    }


def test_runtime_runs_as_non_root(runtime: Stage) -> None:
    users = runtime.args("USER")
    assert users, "the runtime stage never drops root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert f"--uid {TC2_UID}" in runtime.text


def test_dockerfile_healthcheck_hits_healthz(runtime: Stage) -> None:
    checks = runtime.args("HEALTHCHECK")
    assert len(checks) == 1
    assert HEALTH_URL in checks[0]
    assert "curl" not in checks[0], "python:3.11-slim has no curl"


def test_dockerfile_defaults(runtime: Stage) -> None:
    assert re.search(r"\bTC2_DATA_DIR=/data\b", runtime.text)
    assert re.search(r'^VOLUME .*"?/data"?', runtime.text, re.MULTILINE)
    assert re.search(r"^EXPOSE 9000\b", runtime.text, re.MULTILINE)
    cmds = runtime.args("CMD")
    assert len(cmds) == 1
    assert "gunicorn" in cmds[0] and "python:webpanel.gunicorn_conf" in cmds[0]
    assert "webpanel.wsgi:application" in cmds[0]
    assert re.search(r"\bTC2_HOST=0\.0\.0\.0\b", runtime.text)
    assert re.search(r"\bTC2_PORT=9000\b", runtime.text)


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "frontend/dist", "frontend/node_modules"} <= patterns
    assert "TC2_data/*" in patterns or "TC2_data" in patterns


def test_nginx_image_builds_the_same_panel(services: dict[str, dict[str, Any]]) -> None:
    assert services["nginx"]["build"] == {"context": ".", "dockerfile": "nginx/Dockerfile"}
    nginx_stages = _stages(NGINX_DOCKERFILE)
    panel = {stage.name: stage for stage in nginx_stages}["frontend"]
    root_panel = {stage.name: stage for stage in _stages(DOCKERFILE)}["frontend"]
    assert (panel.base, panel.instructions) == (root_panel.base, root_panel.instructions)
    final = nginx_stages[-1]
    assert final.base.startswith("nginx:1.27-alpine")
    assert "nginx/nginx.conf /etc/nginx/nginx.conf" in final.args("COPY")
    assert "--from=frontend /frontend/dist/ /usr/share/nginx/html/" in final.args("COPY")


# -------------------------------------------------------------------------------- nginx


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = field(default=None)


_NGINX_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};"']+""")


def _parse_nginx(text: str) -> list[Directive]:
    """A minimal nginx.conf parser: enough for directives, blocks, quotes and comments."""
    uncommented = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    tokens = _NGINX_TOKEN.findall(uncommented)
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens:
        if token == ";":
            assert words, "empty directive"
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            assert words, "block without a name"
            directive = Directive(words[0], words[1:], [])
            stack[-1].append(directive)
            stack.append(directive.block)  # type: ignore[arg-type]
            words = []
        elif token == "}":
            assert not words and len(stack) > 1, "unbalanced braces"
            stack.pop()
        else:
            words.append(token)
    assert len(stack) == 1 and not words, "unbalanced braces or unterminated directive"
    return stack[0]


def _children(block: list[Directive], name: str) -> list[Directive]:
    return [d for d in block if d.name == name]


@pytest.fixture(scope="module")
def nginx_http() -> list[Directive]:
    top = _parse_nginx(NGINX_CONF.read_text())
    http = _children(top, "http")
    assert len(http) == 1
    assert http[0].block is not None
    return http[0].block


def _upstream_servers(http: list[Directive]) -> dict[str, list[str]]:
    return {
        up.args[0]: [s.args[0] for s in _children(up.block or [], "server")]
        for up in _children(http, "upstream")
    }


def _proxy_destination(http: list[Directive], location_args: list[str]) -> list[str]:
    """host:port servers that the location matching ``location_args`` proxies to."""
    servers = _children(http, "server")
    assert servers
    locations = [
        loc
        for srv in servers
        for loc in _children(srv.block or [], "location")
        if loc.args == location_args
    ]
    assert len(locations) == 1, f"expected one location {' '.join(location_args)}"
    passes = _children(locations[0].block or [], "proxy_pass")
    assert len(passes) == 1, f"location {' '.join(location_args)} does not proxy"
    target = urlsplit(passes[0].args[0]).netloc
    return _upstream_servers(http).get(target, [target])


@pytest.mark.parametrize(
    "location",
    [["^~", "/api/"], ["=", "/healthz"], ["^~", "/static/"]],
    ids=["api", "healthz", "static"],
)
def test_nginx_proxies_to_backend(nginx_http: list[Directive], location: list[str]) -> None:
    assert _proxy_destination(nginx_http, location) == ["backend:9000"]


def test_nginx_listens_on_the_published_port(nginx_http: list[Directive]) -> None:
    listens = [
        d.args[0]
        for srv in _children(nginx_http, "server")
        for d in _children(srv.block or [], "listen")
    ]
    assert listens == ["80"]


def test_nginx_forwards_client_address_and_scheme(nginx_http: list[Directive]) -> None:
    headers = {d.args[0].lower(): d.args[1] for d in _children(nginx_http, "proxy_set_header")}
    assert headers.get("x-forwarded-for") == "$proxy_add_x_forwarded_for"
    assert headers.get("x-forwarded-proto") == "$scheme"


def test_nginx_serves_the_spa_and_hides_its_version(nginx_http: list[Directive]) -> None:
    assert [d.args for d in _children(nginx_http, "server_tokens")] == [["off"]]
    assert [d.args for d in _children(nginx_http, "client_max_body_size")] == [["50m"]]
    assert [d.args for d in _children(nginx_http, "gzip")] == [["on"]]
    roots = [
        loc
        for srv in _children(nginx_http, "server")
        for loc in _children(srv.block or [], "location")
        if loc.args == ["/"]
    ]
    assert len(roots) == 1
    # Deep links: any path that is not a file is the panel's index page (client-side routing).
    assert [d.args for d in _children(roots[0].block or [], "try_files")] == [
        ["$uri", "$uri/", "/index.html"]
    ]


def test_nginx_parser_rejects_unbalanced_blocks() -> None:
    with pytest.raises(AssertionError):
        _parse_nginx("http { server { listen 80; }")


# ---------------------------------------------------------------------------- web panel

# An address on another host, loaded by the page: src/href/srcset, CSS url() and @import.
_EXTERNAL_IN_HTML = re.compile(
    r"""(?:src|href|srcset|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)
_EXTERNAL_IN_CSS = re.compile(
    r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.IGNORECASE
)


def _external_references(path: Path) -> list[str]:
    text = path.read_text()
    pattern = _EXTERNAL_IN_CSS if path.suffix in {".css", ".scss"} else _EXTERNAL_IN_HTML
    found = pattern.findall(text)
    if path.suffix == ".html":
        # Inline <style> blocks (the build inlines the critical CSS) are CSS too.
        found += _EXTERNAL_IN_CSS.findall(text)
    return found


def _panel_pages_and_styles(folder: Path) -> list[Path]:
    return sorted(
        path
        for pattern in ("*.html", "*.css", "*.scss")
        for path in folder.rglob(pattern)
        if "node_modules" not in path.parts
    )


def test_panel_sources_load_nothing_from_other_hosts() -> None:
    files = _panel_pages_and_styles(FRONTEND / "src")
    assert FRONTEND / "src" / "index.html" in files
    for path in files:
        external = _external_references(path)
        assert not external, f"{path.relative_to(ROOT)} loads from another host: {external}"


def test_panel_index_page_is_angular_with_a_base_href() -> None:
    html = (FRONTEND / "src" / "index.html").read_text()
    # Deep links (/strategy/simulations) load the bundles from "/", not from the route's folder.
    assert '<base href="/">' in html
    assert re.search(r"<title>[^<]*TC2[^<]*</title>", html)


def test_external_reference_patterns() -> None:
    assert _EXTERNAL_IN_HTML.search('<link href="https://fonts.example/css">')
    assert _EXTERNAL_IN_HTML.search("<script src=//cdn.example/x.js>")
    assert not _EXTERNAL_IN_HTML.search('<script src="main-ABCD1234.js">')
    assert _EXTERNAL_IN_CSS.search("@import 'https://fonts.example/css';")
    assert _EXTERNAL_IN_CSS.search("a{background:url( //cdn.example/a.png)}")
    assert not _EXTERNAL_IN_CSS.search("a{background:url(data:image/png;base64,AA)}")


@pytest.fixture(scope="module")
def package() -> dict[str, Any]:
    return json.loads((FRONTEND / "package.json").read_text())


@pytest.fixture(scope="module")
def lock() -> dict[str, Any]:
    return json.loads((FRONTEND / "package-lock.json").read_text())


def test_package_scripts_build_and_test_headless(package: dict[str, Any]) -> None:
    scripts = package["scripts"]
    assert scripts["build"].startswith("ng build")
    # `make test` and CI run it without a browser or a watcher.
    assert "--watch=false" in scripts["test"]


def test_lock_file_matches_package_json(package: dict[str, Any], lock: dict[str, Any]) -> None:
    assert lock["lockfileVersion"] >= 3
    root = lock["packages"][""]
    for kind in ("dependencies", "devDependencies"):
        assert root.get(kind, {}) == package.get(kind, {}), f"package-lock.json {kind}: npm install"


def _resolves(packages: dict[str, Any], parent: str, name: str) -> bool:
    """Whether ``name`` required by the package at ``parent`` is in the lock (node's lookup)."""
    folder = parent
    while True:
        if f"{folder}/node_modules/{name}".lstrip("/") in packages:
            return True
        if not folder:
            return False
        cut = folder.rfind("/node_modules/")
        folder = folder[:cut] if cut >= 0 else ""


def test_lock_file_holds_every_package_npm_ci_needs(lock: dict[str, Any]) -> None:
    # `npm ci` refuses a lock file missing any dependency, optional platform builds included
    # (a registry mirror without some of them once left them out).
    packages = lock["packages"]
    missing = sorted(
        f"{name} (for {parent or 'the panel'})"
        for parent, entry in packages.items()
        if not entry.get("link")
        for kind in ("dependencies", "optionalDependencies")
        for name in entry.get(kind, {})
        if not _resolves(packages, parent, name)
    )
    assert not missing, f"package-lock.json lacks {len(missing)}: {missing[:10]}"
