"""End to end over SSH: the deploy/ snippet's ForceCommand, a dispatch, a dropped line.

A private ``sshd`` listens on a loopback port with its own config and host key (both in
the test's tmp dir), with the ``Match`` block of ``deploy/sshd_config.citygrid`` (for
the current user's group) and its ForceCommand, ``deploy/citygrid-console``.  The
operator's token sits in their XDG config file (mode 0600).  ``ssh -tt`` runs inside
an 80×24 tmux pane; the test files a case through the API, dispatches it by keyboard
(``3 / <serial> Enter d Enter``) and checks through the API that it went to its routed
department.  Then it kills the ssh client, as a dropped line would, and checks that the
console on the server side quit by itself on the hangup with status 0 (the wrapper's
session log), and that the case is still dispatched.
"""

from __future__ import annotations

import getpass
import grp
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, Seeded, Server, free_port, seed_database, start_server
from tests.e2e.test_tmux_demo import CITYGRID, Tmux, descendants, table_rows, wait_for

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
DEPLOY = REPO / "deploy"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        not Path(SSHD).exists() or shutil.which("ssh") is None,
        reason="OpenSSH is not installed (apt-get install -y openssh-server openssh-client)",
    ),
]


def sshd_config(tmp: Path, port: int, env: dict[str, str]) -> Path:
    """The test's own sshd config, ending in the deploy snippet for our group."""
    group = grp.getgrgid(os.getgid()).gr_name
    snippet = (DEPLOY / "sshd_config.citygrid").read_text()
    assert "Match Group citygrid-operators" in snippet
    assert "ForceCommand /usr/local/bin/citygrid-console" in snippet
    snippet = snippet.replace("citygrid-operators", group).replace(
        "/usr/local/bin/citygrid-console", str(DEPLOY / "citygrid-console")
    )
    setenv = " ".join(f"{k}={v}" for k, v in env.items())
    config = tmp / "sshd_config"
    config.write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {tmp / 'host_key'}\n"
        f"PidFile {tmp / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}\n"
        "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"  # this config only: the tests run as root in CI
        "StrictModes no\n"  # the keys live under the world-writable /tmp
        "UsePAM no\n"
        f"SetEnv {setenv}\n" + snippet
    )
    return config


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[tuple[Seeded, Server]]:
    seeded = seed_database(f"sqlite:///{tmp_path / 'citygrid.db'}", tmp_path)
    server = start_server(seeded.url, tmp_path / "server.log")
    try:
        yield seeded, server
    finally:
        server.stop()


@pytest.fixture
def sshd(tmp_path: Path, centre: tuple[Seeded, Server]) -> Iterator[tuple[int, Path, Path]]:
    """A private sshd; yields its port, the client key and the operator's state dir."""
    seeded, server = centre
    try:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir
    except OSError:
        pytest.skip("cannot create /run/sshd for sshd's privilege separation")
    config_home, state_home = tmp_path / "config", tmp_path / "state"
    (config_home / "citygrid").mkdir(parents=True)
    token_file = config_home / "citygrid" / "console.toml"
    lead = seeded.user("shift_lead")
    token_file.write_text(f'[console]\nserver = "{server.url}"\ntoken = "{lead["token"]}"\n')
    token_file.chmod(0o600)
    keygen(tmp_path / "host_key")
    keygen(tmp_path / "client_key")
    (tmp_path / "authorized_keys").write_text((tmp_path / "client_key.pub").read_text())
    port = free_port()
    env = {
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_STATE_HOME": str(state_home),
        "CITYGRID_BIN": str(CITYGRID),
        "LANG": "zh_CN.UTF-8",
    }
    config = sshd_config(tmp_path, port, env)
    log = (tmp_path / "sshd.log").open("wb")
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while not listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"sshd did not start: {(tmp_path / 'sshd.log').read_text()}")
            time.sleep(0.05)
        yield port, tmp_path / "client_key", state_home / "citygrid"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    server = Tmux(tmp_path / "tmux.sock")
    try:
        yield server
    finally:
        server.kill()


def console_pids(sshd_pid: int) -> set[int]:
    found = set()
    for pid in descendants(sshd_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"citygrid") for a in argv) and b"console" in argv:
            found.add(pid)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_dispatch_over_ssh_then_drop_the_line(
    tmp_path: Path,
    centre: tuple[Seeded, Server],
    sshd: tuple[int, Path, Path],
    tmux: Tmux,
) -> None:
    seeded, server = centre
    port, key, state = sshd
    ssh = (
        f"ssh -tt -p {port} -i {key} -F /dev/null -o IdentitiesOnly=yes "
        "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
        f"{getpass.getuser()}@127.0.0.1"
    )
    # No terminal, or a command of one's own: the ForceCommand refuses, and says how.
    for flag, command in (("-T", ""), ("-T", "cat /etc/passwd")):
        refused = subprocess.run(
            [*ssh.replace("-tt", flag).split(), *command.split()],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert refused.returncode == 2, refused
        assert "ssh -t" in refused.stderr and "root:" not in refused.stdout
    assert not (state / "sessions.log").exists()

    tmux.start(f"env -u COLUMNS -u LINES TERM=xterm-256color {ssh}", size=(80, 24))
    wait_for("the queue screen", lambda: "待受理" in tmux.pane().split("\n", 1)[0], tmux, 60)

    sshd_pid = int((tmp_path / "sshd.pid").read_text())
    consoles = console_pids(sshd_pid)
    assert len(consoles) == 1, consoles

    lead = seeded.user("shift_lead")
    api = httpx.Client(
        base_url=server.api, headers={"Authorization": f"Bearer {lead['token']}"}, timeout=10.0
    )
    with api:
        grid = api.get("/grids").raise_for_status().json()[100]["code"]
        reported = api.post(
            "/cases",
            json={
                "source": "hotline",
                "category_kind": "matter",
                "category_code": "06010",
                "description": "SSH 端到端测试：路边暴露垃圾，请派遣。",
                "grid_code": grid,
            },
        ).raise_for_status()
        serial = reported.json()["case"]["serial"]
        api.post(f"/cases/{serial}/actions", json={"action": "file"}).raise_for_status()
        routed = api.get(f"/cases/{serial}").raise_for_status().json()["suggested_department"]
        year, _district, seq = serial.split("-")
        short = f"{year[2:]}-{seq}"  # the serial as the 80-column table shows it

        tmux.keys("3")
        tmux.keys("/")
        wait_for("the filter prompt", lambda: "筛选：" in tmux.pane(), tmux)
        tmux.keys(serial, literal=True)
        tmux.keys("Enter")
        wait_for(  # the prompt has closed (its line gone): keys go to the table again
            "the filter applied and its prompt closed",
            lambda: (
                [line for line in tmux.pane().splitlines() if serial in line]
                == [tmux.pane().splitlines()[-2]]
            ),
            tmux,
        )
        wait_for(
            "the filed case alone in the table",
            lambda: (
                [row for row in table_rows(tmux.pane()) if "-0" in row]
                == [row for row in table_rows(tmux.pane()) if short in row and "待派遣" in row]
                and any(short in row for row in table_rows(tmux.pane()))
            ),
            tmux,
        )
        tmux.keys("d")
        wait_for("the dispatch dialog", lambda: "★ " + routed["code"] in tmux.pane(), tmux)
        tmux.keys("Enter")
        wait_for(
            "the dialog to close and the case to leave the 待派遣 queue",
            lambda: (
                "★ " not in (pane := tmux.pane())
                and not any(short in row for row in table_rows(pane))
            ),
            tmux,
        )
        wait_for(
            "the dispatch on the server",
            lambda: api.get(f"/cases/{serial}").json()["state"] == "dispatched",
            tmux,
        )
        case = api.get(f"/cases/{serial}").raise_for_status().json()
        assert case["department_code"] == routed["code"]
        dispatches = [e for e in case["timeline"] if e["action"] == "dispatch"]
        assert [(e["actor"], e["actor_role"]) for e in dispatches] == [
            (lead["display_name"], "shift_lead")
        ]

        # The line drops: the ssh client dies without a goodbye.
        os.kill(tmux.pane_pid(), signal.SIGKILL)
        (console,) = consoles
        deadline = time.monotonic() + 20
        while alive(console) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(console), "the console outlived its SSH session"
        sessions = state / "sessions.log"
        deadline = time.monotonic() + 10
        while not (sessions.exists() and sessions.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        ends = sessions.read_text().splitlines()
        assert len(ends) == 1 and ends[0].endswith("console exited with status 0 after hangup"), (
            ends
        )
        assert "Traceback" not in (tmp_path / "sshd.log").read_text()
        # Nothing was lost: the dispatch committed on the server before the line dropped.
        assert api.get(f"/cases/{serial}").raise_for_status().json()["state"] == "dispatched"
