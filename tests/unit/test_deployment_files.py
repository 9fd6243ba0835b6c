"""Static checks of the compose-profile deployment files.

No Docker engine is needed: the files are parsed and the properties that keep a deployment
working (and its secrets out of the repository) are asserted.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_CONF = ROOT / "nginx" / "nginx.conf"
NGINX_DOCKERFILE = ROOT / "nginx" / "Dockerfile"
PLACEHOLDER = ROOT / "frontend" / "public" / "index.html"

TC2_SERVICES = {"setup", "web", "program"}
HEALTH_URL = "http://127.0.0.1:9000/healthz"

# A compose interpolation with no literal fallback: ${VAR}, ${VAR?msg}, ${VAR:?msg}, ${VAR:-}.
SAFE_INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:-)?\}")
REQUIRED_INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$")
SECRET_NAME = re.compile(r"PASSWORD|SECRET", re.IGNORECASE)
# scheme://[user[:password]@]host... ; the password may itself be a ${VAR:?message} (which holds
# characters urlsplit would take for the end of the netloc), so the last "@" ends it.
URL = re.compile(
    r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?:(?P<user>[^:@/]*)(?::(?P<password>.*))?@)?"
    r"(?P<host>[^:/@?#]+)"
)


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


def _builds_root_dockerfile(service: dict[str, Any]) -> bool:
    build = service.get("build")
    if build is None:
        return False
    if isinstance(build, str):
        return build in {".", "./"}
    return build.get("context") in {".", "./"} and build.get("dockerfile", "Dockerfile") in {
        "Dockerfile",
        "./Dockerfile",
    }


def _tc2_image(services: dict[str, dict[str, Any]]) -> str:
    builders = [svc for svc in services.values() if _builds_root_dockerfile(svc)]
    assert len(builders) == 1, "exactly one service should build the root Dockerfile"
    image = builders[0].get("image")
    assert image, "the service building the TC2 image must name it so the others can use it"
    return image


def _tc2_services(services: dict[str, dict[str, Any]]) -> set[str]:
    image = _tc2_image(services)
    return {
        name
        for name, svc in services.items()
        if svc.get("image") == image or _builds_root_dockerfile(svc)
    }


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def test_compose_uses_the_compose_spec_without_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_expected_services_exist(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= {"postgres", "redis", "mongo", "setup", "web", "program", "nginx"}


def test_setup_web_and_program_run_the_tc2_image(services: dict[str, dict[str, Any]]) -> None:
    assert _tc2_services(services) >= TC2_SERVICES
    assert "nginx" not in _tc2_services(services)


def test_every_tc2_service_gets_the_shared_environment(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    shared = compose.get("x-tc2-env")
    assert isinstance(shared, dict) and shared, "x-tc2-env anchor is missing or empty"
    for name in sorted(_tc2_services(services)):
        env = _environment(services[name])
        missing = {k: v for k, v in shared.items() if env.get(k) != ("" if v is None else str(v))}
        assert not missing, f"{name} lacks or overrides shared settings: {sorted(missing)}"


def test_shared_environment_points_at_the_compose_services(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    env = compose["x-tc2-env"]
    assert env["TC2_DATA_DIR"] == "/data"
    expected_hosts = {
        "TC2_DATABASE_URL": "postgres",
        "TC2_REDIS_URL": "redis",
        "TC2_PRICE_STORE": "mongo",
    }
    for key, service in expected_hosts.items():
        match = URL.match(env[key])
        host = match["host"] if match else None
        assert host == service, f"{key} should reach the {service} service, not {host}"
        assert host in services
    # Exactly nginx sits in front of gunicorn: Django must trust one X-Forwarded-For hop.
    assert str(env["TC2_TRUSTED_PROXIES"]) == "1"


def _secret_values(compose: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, value) for every secret-looking variable and every password inside a URL."""
    sources: dict[str, dict[str, str]] = {
        "x-tc2-env": {k: str(v) for k, v in (compose.get("x-tc2-env") or {}).items()}
    }
    for name, svc in compose["services"].items():
        sources[name] = _environment(svc)
    found = []
    for where, env in sources.items():
        for key, value in env.items():
            if SECRET_NAME.search(key):
                found.append((f"{where}.{key}", value))
            match = URL.match(value)
            if match and match["password"] is not None:
                found.append((f"{where}.{key} (URL password)", match["password"]))
    return found


def test_no_literal_secrets(compose: dict[str, Any]) -> None:
    secrets = _secret_values(compose)
    assert any("POSTGRES_PASSWORD" in where for where, _ in secrets)
    assert any("URL password" in where for where, _ in secrets)
    for where, value in secrets:
        assert SAFE_INTERPOLATION.fullmatch(value), (
            f"{where} must come from .env as ${{VAR}} (no literal default), got {value!r}"
        )


def test_database_password_and_secret_key_are_required(compose: dict[str, Any]) -> None:
    assert REQUIRED_INTERPOLATION.match(
        compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    )
    assert REQUIRED_INTERPOLATION.match(compose["x-tc2-env"]["TC2_SECRET_KEY"])


@pytest.mark.parametrize("name", ["web", "program"])
def test_processes_wait_for_setup_to_succeed(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends = services[name].get("depends_on")
    assert isinstance(depends, dict), f"{name}.depends_on needs the long form with conditions"
    assert depends.get("setup", {}).get("condition") == "service_completed_successfully"
    for backing in ("postgres", "redis"):
        assert depends.get(backing, {}).get("condition") == "service_healthy"


def test_health_conditions_have_health_checks(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        depends = svc.get("depends_on") or {}
        if not isinstance(depends, dict):
            continue
        for target, rule in depends.items():
            if (rule or {}).get("condition") == "service_healthy":
                check = services[target].get("healthcheck") or {}
                assert check.get("test") and not check.get("disable"), (
                    f"{name} waits for {target} to be healthy but {target} has no health check"
                )


def test_setup_is_a_one_shot(services: dict[str, dict[str, Any]]) -> None:
    setup = services["setup"]
    assert _command(setup) == ["python", "manage.py", "setup"]
    assert setup.get("restart") == "no"


def test_only_nginx_publishes_ports(services: dict[str, dict[str, Any]]) -> None:
    publishing = {name for name, svc in services.items() if svc.get("ports")}
    assert publishing == {"nginx"}
    assert services["nginx"]["ports"] == ["${TC2_PANEL_PORT:-9100}:80"]


def test_program_runs_the_one_program(services: dict[str, dict[str, Any]]) -> None:
    program = services["program"]
    assert _command(program) == ["python", "manage.py", "runprogram"]
    assert program.get("stop_grace_period") == "15s"
    assert "deploy" not in program, "exactly one TC2 program per deployment: never replicate it"


def test_web_runs_the_image_default_and_is_health_checked(
    services: dict[str, dict[str, Any]],
) -> None:
    web = services["web"]
    assert _command(web) == [], "web should run the image's gunicorn CMD"
    assert any(HEALTH_URL in str(part) for part in web["healthcheck"]["test"])


def test_web_and_program_share_the_data_volume(services: dict[str, dict[str, Any]]) -> None:
    for name in TC2_SERVICES:
        assert "tc2-data:/data" in services[name].get("volumes", []), name


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


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "no FROM"
    return instructions[starts[-1] :]


@pytest.fixture(scope="module")
def runtime_stage() -> list[tuple[str, str]]:
    return _final_stage(_dockerfile_instructions(DOCKERFILE.read_text()))


def test_dockerfile_healthcheck_hits_healthz(runtime_stage: list[tuple[str, str]]) -> None:
    checks = [args for keyword, args in runtime_stage if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert HEALTH_URL in checks[0]
    assert "curl" not in checks[0], "python:3.11-slim has no curl"


def test_dockerfile_runs_as_non_root(runtime_stage: list[tuple[str, str]]) -> None:
    users = [args for keyword, args in runtime_stage if keyword == "USER"]
    assert users, "the runtime stage never drops root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_defaults(runtime_stage: list[tuple[str, str]]) -> None:
    text = "\n".join(f"{keyword} {args}" for keyword, args in runtime_stage)
    assert re.search(r"^FROM (?:python:3\.11-slim|\$\{PYTHON_IMAGE\})", text)
    assert re.search(r"\bTC2_DATA_DIR=/data\b", text)
    assert re.search(r'^VOLUME .*"?/data"?', text, re.MULTILINE)
    assert re.search(r"^EXPOSE 9000\b", text, re.MULTILINE)
    cmds = [args for keyword, args in runtime_stage if keyword == "CMD"]
    assert len(cmds) == 1
    assert "gunicorn webpanel.wsgi:application" in cmds[0]
    assert "--bind 0.0.0.0:9000" in cmds[0]


def test_dockerfile_python_base_is_3_11_slim() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.MULTILINE) or re.search(
        r"^FROM python:3\.11-slim\b", text, re.MULTILINE
    )


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
def test_nginx_proxies_to_web(nginx_http: list[Directive], location: list[str]) -> None:
    assert _proxy_destination(nginx_http, location) == ["web:9000"]


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
    assert [d.args for d in _children(roots[0].block or [], "try_files")] == [
        ["$uri", "/index.html"]
    ]


def test_nginx_parser_rejects_unbalanced_blocks() -> None:
    with pytest.raises(AssertionError):
        _parse_nginx("http { server { listen 80; }")


def test_nginx_image_installs_this_config() -> None:
    text = NGINX_DOCKERFILE.read_text()
    assert re.search(r"^FROM nginx:1\.27-alpine\b", text, re.MULTILINE)
    assert re.search(r"^COPY nginx/nginx\.conf /etc/nginx/nginx\.conf$", text, re.MULTILINE)


# --------------------------------------------------------------------------- placeholder


def test_placeholder_page_is_self_contained_and_links_docs() -> None:
    html = PLACEHOLDER.read_text()
    assert "<title>TC2</title>" in html
    assert 'href="/api/docs/"' in html
    assert 'href="/healthz"' in html
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html, re.IGNORECASE)
    assert not external, "the placeholder must not load external assets"
