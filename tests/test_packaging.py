"""Production packaging: docker-compose.yml is valid Compose, and runs only what the README documents."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
APP_SERVICES = {"migrate", "web", "worker", "beat"}
# The production processes, as the README's "Production" section names them.
DOCUMENTED_PREFIXES = (
    "furusato db upgrade",
    "gunicorn ",
    "celery -A worker worker",
    "celery -A worker beat",
)


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _command(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else shlex.join(command)


def test_compose_file_validates_against_the_compose_specification() -> None:
    """check-jsonschema's vendored Compose schema (no network) accepts docker-compose.yml."""
    result = _validate(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    """The same check fails on a file Compose would refuse (so the test above can fail)."""
    broken = _compose()
    broken["services"]["web"]["restart"] = ["always"]
    broken["services"]["web"]["healthcheck"] = {"retries": "many"}
    path = tmp_path / "docker-compose.yml"
    path.write_text(json.dumps(broken))
    result = _validate(path)
    assert result.returncode != 0
    assert "web" in result.stdout + result.stderr


def test_compose_runs_the_documented_processes_on_postgres_and_redis() -> None:
    """Migrate once, then gunicorn, a worker and one beat from the image; PostgreSQL and Redis."""
    services = _compose()["services"]
    assert set(services) == APP_SERVICES | {"postgres", "redis"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    readme = _readme()
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["image"] == "furusato:latest"
        command = _command(service)
        assert command.startswith(DOCUMENTED_PREFIXES), command
        assert command in readme, f"README does not document the {name} command: {command}"
    assert _command(services["web"]).endswith("'furusato:create_app()'")
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "replicas" not in services["beat"].get("deploy", {})  # exactly one beat
    # The image's HEALTHCHECK asks the web server; the other processes of the image have none.
    for name in APP_SERVICES - {"web"}:
        assert services[name]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["web"]


def test_compose_environment_is_a_complete_production_configuration() -> None:
    """Every variable compose sets is one config.py reads, and production's required ones are set."""
    source = (ROOT / "platform/furusato/config.py").read_text()
    known = set(re.findall(r'(?:_env|_int|_bool|os\.environ\.get)\(\s*"([A-Z0-9_]+)"', source))
    services = _compose()["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known
        assert env["FURUSATO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        for required in ("SECRET_KEY", "MYNUMBER_KEYS", "STRIPE_WEBHOOK_SECRET", "BASE_URL"):
            assert ":?" in env[required], f"{required} must be required from the environment"


def test_readme_documents_every_configuration_variable() -> None:
    """Each environment variable config.py reads is named in the README."""
    source = (ROOT / "platform/furusato/config.py").read_text()
    names = set(re.findall(r'(?:_env|_int|_bool|os\.environ\.get)\(\s*"([A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL"} <= names
    readme = _readme()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert missing == []


def test_dockerfile_builds_a_non_root_image_that_migrates_then_serves() -> None:
    """python:3.11-slim, a non-root user, and `furusato db upgrade` before gunicorn."""
    lines = [
        line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines() if line.strip()
    ]
    assert lines[[line.startswith("FROM") for line in lines].index(True)] == (
        "FROM python:3.11-slim"
    )
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    # The last CMD is the image's command (an earlier one belongs to HEALTHCHECK).
    cmd = json.loads([line for line in lines if line.startswith("CMD ")][-1][4:])
    assert cmd[:2] == ["sh", "-c"]
    steps = [step.strip().removeprefix("exec ") for step in cmd[2].split("&&")]
    assert steps[0] == "furusato db upgrade" and steps[1].startswith("gunicorn ")
    readme = _readme()
    for step in steps:
        assert step in readme, step


def test_the_package_build_ships_the_static_files(tmp_path: Path) -> None:
    """setuptools' build_py (what a wheel is made of), run on a clean copy of the sources (no
    egg-info left by an editable install), copies every file the pages link under /static
    (stylesheet, scripts, icons), with the translations and the banned-words list."""
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("*.egg-info", "__pycache__")
    for folder in ("platform", "worker"):
        shutil.copytree(ROOT / folder, source / folder, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", source / "pyproject.toml")
    built_lib = tmp_path / "lib"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(built_lib),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    built = {str(p.relative_to(built_lib)) for p in built_lib.rglob("*") if p.is_file()}
    static = ROOT / "platform/furusato/web/static"
    expected = {f"furusato/web/static/{p.name}" for p in static.iterdir() if p.is_file()}
    assert {"furusato/web/static/app.css", "furusato/web/static/favicon.ico"} <= expected
    assert expected <= built, sorted(expected - built)
    assert "furusato/translations/en/LC_MESSAGES/messages.mo" in built
    assert "furusato/data/banned_words.txt" in built
