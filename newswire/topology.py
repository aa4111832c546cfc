"""Run docker-compose.yml's own services as local processes, no Docker needed: one process per compose
service (migrate first, then fetcher, parser, store, beat, api, flower) with the commands and
environment the compose file gives, pointed at a local Redis and PostgreSQL.

    python -m newswire.topology --redis-url redis://127.0.0.1:6379/3 --database-url postgresql://…/db

This is how CI exercises the deployed topology itself on a machine without a Docker engine."""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from newswire.processes import Child
from shared.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
INFRA = {"redis", "postgres"}  # provided by the caller, not started here
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (the forms our compose file uses)."""

    def replace(match: re.Match[str]) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3) or ""
        value = variables.get(name, "")
        if value:
            return value
        if kind == "?":
            raise SystemExit(f"compose needs {name}: {rest}")
        return rest if kind == "-" else ""

    return _VAR.sub(replace, text.replace("$$", "\x00")).replace("\x00", "$")


class Topology:
    """The compose services as processes; `start()` then `stop()`."""

    def __init__(self, redis_url: str, database_url: str, data_dir: Path, variables: dict[str, str]):
        self.redis_url, self.database_url, self.data_dir = redis_url, database_url, data_dir
        self.ports = {"api": free_port(), "flower": free_port()}
        compose = yaml.safe_load(interpolate((ROOT / "docker-compose.yml").read_text(), variables))
        self.services = {name: s for name, s in compose["services"].items() if name not in INFRA}
        self.children: dict[str, Child] = {}

    def _env(self, name: str, service: dict) -> dict[str, str]:
        # Our own settings (e.g. a test's NEWSWIRE_ALLOWED_NETWORKS) under the compose file's values.
        env = get_settings().child_env()
        for key, value in (service.get("environment") or {}).items():
            env[key] = str(value)
        env["NEWSWIRE_REDIS_URL"] = self.redis_url  # compose's redis://redis:6379/0, here
        if "NEWSWIRE_DATABASE_URL" in env:
            env["NEWSWIRE_DATABASE_URL"] = self.database_url
        if "NEWSWIRE_LIVENESS_FILE" in env:
            env["NEWSWIRE_LIVENESS_FILE"] = str(self.data_dir / f"{name}.alive")
        env["NEWSWIRE_DATA_DIR"] = str(self.data_dir)
        if name == "api":  # loopback only outside a container, on the port this run chose
            env.update(NEWSWIRE_API_HOST="127.0.0.1", NEWSWIRE_API_PORT=str(self.ports["api"]))
        return env

    def _argv(self, name: str, command: list[str]) -> list[str]:
        bin_dir = Path(sys.executable).parent
        argv = [str(bin_dir / command[0]) if (bin_dir / command[0]).exists() else command[0], *command[1:]]
        argv = [arg.replace("/data/", f"{self.data_dir}/") for arg in argv]
        if name == "flower":
            argv = [a if not a.startswith("--port=") else f"--port={self.ports['flower']}" for a in argv]
            argv.append("--address=127.0.0.1")
        return argv

    def start(self) -> None:
        """migrate to completion, then every long-running service."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        logs = self.data_dir / "logs"
        migrate = self.services["migrate"]
        result = subprocess.run(self._argv("migrate", migrate["command"]), env=self._env("migrate", migrate),
                                capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{result.stdout}{result.stderr}")
        for name, service in self.services.items():
            if name == "migrate":
                continue
            child = Child(
                name, self._argv(name, service["command"]), self._env(name, service), logs / f"{name}.log"
            )
            child.start()
            self.children[name] = child

    def stop(self) -> None:
        """SIGTERM everything (warm shutdown), in parallel."""
        for child in self.children.values():
            child.terminate()
        for child in self.children.values():
            child.stop(45)


def main() -> None:
    """Run the topology until Ctrl-C."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("data/topology"))
    args = parser.parse_args()
    variables = get_settings().child_env()
    variables.setdefault("POSTGRES_PASSWORD", "unused-locally")
    variables.setdefault("FLOWER_BASIC_AUTH", "newswire:newswire")
    variables.setdefault("NEWSWIRE_API_KEY", "local-topology-key")
    topology = Topology(args.redis_url, args.database_url, args.data_dir.resolve(), variables)
    topology.start()
    print(f"api http://127.0.0.1:{topology.ports['api']}  flower http://127.0.0.1:{topology.ports['flower']}",
          flush=True)  # fmt: skip
    stop = False

    def handler(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    while not stop:
        time.sleep(0.5)
    topology.stop()


if __name__ == "__main__":
    main()
