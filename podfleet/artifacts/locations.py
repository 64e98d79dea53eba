"""Input-only artifact locations: `http` (headers, basic auth) and `git` (repo, revision, depth).

Both stream to a file or folder on the host, never into memory. HTTP goes through the
standard library (one GET, no dependency worth its weight); git through the `git` binary,
which every git feature (depth, submodules, ssh keys) already lives in. Credentials come
from the pod's resolved secrets and are scrubbed from every message.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podfleet.artifacts.config import SecretRef, Secrets
from podfleet.errors import InvalidError, NotFoundError, PodfleetError, TransientError

_CHUNK = 1024 * 1024


def _ref(value: Any) -> SecretRef | None:
    return SecretRef.model_validate(value) if isinstance(value, Mapping) else None


def _scrub(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    return text


def fetch_http(block: Mapping[str, Any], dest: Path, secrets: Secrets) -> None:
    url = str(block.get("url") or "")
    if not url.startswith(("http://", "https://")):
        raise InvalidError(f"http artifact: url {url!r} must start with http:// or https://")
    request = urllib.request.Request(url)
    hidden: list[str] = []
    for header in block.get("headers") or ():
        request.add_header(str(header.get("name")), str(header.get("value") or ""))
        hidden.append(str(header.get("value") or ""))
    basic = (block.get("auth") or {}).get("basicAuth")
    if isinstance(basic, Mapping):
        user = secrets.lookup(_ref(basic.get("usernameSecret")), "http artifact basicAuth") or ""
        password = secrets.lookup(_ref(basic.get("passwordSecret")), "http artifact basicAuth") or ""
        hidden += [user, password]
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(request, timeout=60) as response, open(dest, "wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out, _CHUNK)
    except urllib.error.HTTPError as err:
        if err.code == 404:
            raise NotFoundError(f"http artifact {url}: 404 Not Found") from None
        raise PodfleetError(_scrub(f"http artifact {url}: {err.code} {err.reason}", hidden)) from None
    except (urllib.error.URLError, OSError) as err:
        raise TransientError(_scrub(f"http artifact {url}: {getattr(err, 'reason', err)}", hidden)) from None


def fetch_git(block: Mapping[str, Any], dest: Path, secrets: Secrets) -> None:
    repo = str(block.get("repo") or "")
    if not repo:
        raise InvalidError("git artifact: repo is required")
    git = shutil.which("git")
    if git is None:
        raise PodfleetError("git artifact: the git binary is not installed (apt-get install git)")
    user = secrets.lookup(_ref(block.get("usernameSecret")), "git artifact")
    password = secrets.lookup(_ref(block.get("passwordSecret")), "git artifact")
    ssh_key = secrets.lookup(_ref(block.get("sshPrivateKeySecret")), "git artifact")
    hidden = [v for v in (user, password, ssh_key) if v]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    config: list[str] = []
    with tempfile.TemporaryDirectory(prefix="podfleet-git-") as tmp:
        if user or password:
            # Credentials reach git through its environment, never its argv or the URL.
            env.update({"PODFLEET_GIT_USER": user or "", "PODFLEET_GIT_PASSWORD": password or ""})
            config += ["-c", "credential.helper=",
                       "-c", "credential.helper=!f() { echo username=$PODFLEET_GIT_USER; "
                             "echo password=$PODFLEET_GIT_PASSWORD; }; f"]
        if ssh_key:
            key_file = Path(tmp) / "id"
            key_file.write_text(ssh_key if ssh_key.endswith("\n") else ssh_key + "\n")
            key_file.chmod(0o600)
            host_check = "no" if block.get("insecureIgnoreHostKey") else "accept-new"
            env["GIT_SSH_COMMAND"] = f"ssh -i {key_file} -o IdentitiesOnly=yes -o StrictHostKeyChecking={host_check}"
        if block.get("insecureSkipTLS"):
            config += ["-c", "http.sslVerify=false"]
        clone = [git, *config, "clone", "--quiet"]
        depth = block.get("depth")
        if depth:
            clone += ["--depth", str(int(depth))]
        branch = block.get("branch")
        if branch:
            clone += ["--branch", str(branch)]
        if block.get("singleBranch"):
            clone.append("--single-branch")
        if not block.get("disableSubmodules"):
            clone.append("--recurse-submodules")
        if dest.exists():
            shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
        _git(clone + [repo, str(dest)], env, hidden, f"git artifact: cannot clone {repo}")
        revision = block.get("revision")
        if revision:
            base = [git, *config, "-C", str(dest)]
            if depth:
                _git(base + ["fetch", "--quiet", "--depth", str(int(depth)), "origin", str(revision)], env, hidden,
                     f"git artifact: cannot fetch revision {revision!r} of {repo}")
                target = "FETCH_HEAD"
            else:
                target = str(revision)
            _git(base + ["checkout", "--quiet", target], env, hidden,
                 f"git artifact: cannot check out revision {revision!r} of {repo}")


def _git(argv: list[str], env: dict[str, str], hidden: list[str], what: str) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise TransientError(f"{what}: timed out") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise PodfleetError(_scrub(f"{what}: {detail[-1] if detail else f'exit code {done.returncode}'}", hidden))


__all__ = ["fetch_http", "fetch_git"]
