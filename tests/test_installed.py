"""The wheel as a user installs it: built, installed in a fresh venv, run from there.

The rest of the suite runs the editable install, which reads templates,
static files and data files straight from the work tree, so a file that the
wheel leaves out (package data in pyproject.toml) shows only here. Once per
module: build the wheel from a snapshot of the tree, install it with its
dependencies from the package registry into a new venv, and drive THAT
venv's `matome-search` from a temporary directory with PYTHONPATH unset:
index the sample archive, query it, serve it (gunicorn and waitress) and
fetch every route of the app, every static file and every same-site link
its pages and its OpenSearch description hold.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("search", "web")
WORD = "数学"  # in the sample archive
# Left out of a source snapshot when git cannot list the files: anywhere, and at the top.
IGNORED_ANYWHERE = shutil.ignore_patterns(
    "__pycache__", "*.py[cod]", "*.egg-info", ".pytest_cache", ".hypothesis", ".ruff_cache"
)
IGNORED_AT = {ROOT: {".git", ".venv", "venv", "build", "dist", "index"}, ROOT / "bench": {"out", "results"}}
MAX_CRAWL = 300


def clean_env(venv: Path | None = None) -> dict:
    """The environment without anything that could import the work tree or change defaults."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "MATOME_", "VIRTUAL_ENV", "CONDA", "__PYVENV"))
    }
    env.update(PYTHONNOUSERSITE="1", PYTHONIOENCODING="utf-8", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(args, cwd, env, timeout=600) -> subprocess.CompletedProcess:
    """Run `args`; fail with its output unless it exits 0."""
    proc = subprocess.run(
        [str(a) for a in args],
        check=False,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-5000:]}\n--- stderr\n{proc.stderr[-5000:]}"
    )
    return proc


def source_files() -> list[str] | None:
    """The tree's files as a commit would have them: tracked and new, less the ignored; None without git."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def snapshot_tree(dest: Path) -> Path:
    """Copy the source tree to `dest`, so that the build reads (and writes) nothing of the work tree."""
    files = source_files()
    if files is None:  # not a git checkout: the whole tree, less builds, caches and venvs

        def ignore(directory, names):
            return IGNORED_ANYWHERE(directory, names) | (IGNORED_AT.get(Path(directory), set()) & set(names))

        shutil.copytree(ROOT, dest, ignore=ignore)
        return dest
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    return dest


def package_files(tree: Path) -> set[str]:
    """Every file under the packages' directories of `tree`, as wheel member names."""
    found = set()
    for package in PACKAGES:
        for path in (tree / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
                found.add(path.relative_to(tree).as_posix())
    return found


@dataclass
class Installed:
    """A fresh venv with the wheel installed, and a scratch directory outside the tree."""

    venv: Path
    work: Path
    source: Path
    wheel: Path

    @property
    def env(self) -> dict:
        return clean_env(self.venv)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def exe(self) -> Path:
        return self.venv / "bin" / "matome-search"

    def cli(self, *args, timeout=300) -> subprocess.CompletedProcess:
        """Run the venv's `matome-search` from the scratch directory."""
        return run([self.exe, *args], cwd=self.work, env=self.env, timeout=timeout)

    def python_json(self, code: str):
        """Run `code` with the venv's Python from the scratch directory; parse what it prints."""
        return json.loads(run([self.python, "-c", code], cwd=self.work, env=self.env).stdout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """Build the wheel from a snapshot of the tree and install it, with its dependencies, in a new venv."""
    tmp = tmp_path_factory.mktemp("installed")
    source = snapshot_tree(tmp / "source")
    work = tmp / "work"
    work.mkdir()
    env = clean_env()
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp / "dist", source],
        cwd=work,
        env=env,
    )
    (wheel,) = (tmp / "dist").glob("matome_search-*.whl")
    venv = tmp / "venv"
    # No pip inside: this process's pip installs into it (--python), which saves bootstrapping one.
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work, env=env)
    run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", wheel],
        cwd=work,
        env=env,
    )
    return Installed(venv=venv, work=work, source=source, wheel=wheel)


@pytest.fixture(scope="module")
def site(installed) -> Path:
    """A copy of the sample archive outside the tree."""
    return shutil.copytree(ROOT / "data", installed.work / "site")


@pytest.fixture(scope="module")
def index_dir(installed, site) -> Path:
    """The sample archive indexed by the installed command."""
    path = installed.work / "index"
    out = installed.cli("index", "--site", site, "--index-dir", path, "--jobs", "1").stdout
    assert re.search(r"posts: [1-9]\d* added", out), out
    return path


def test_wheel_ships_every_file_of_the_packages(installed):
    # Templates of any extension, static files, synonym lists, dictionaries:
    # whatever sits beside the code is read at run time.
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = sorted(package_files(installed.source) - names)
    assert not missing, f"pyproject.toml's package data leaves these out of the wheel: {missing}"
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if n.split("/")[0] in ("tests", "bench", "data", "docs")]


def test_the_command_runs_the_installed_package_not_the_tree(installed):
    files = installed.python_json("import json, search, web; print(json.dumps([search.__file__, web.__file__]))")
    site_packages = installed.venv.resolve()
    for file in files:
        path = Path(file).resolve()
        assert path.is_relative_to(site_packages) and "site-packages" in path.parts, path
        assert not any(path.is_relative_to(ROOT / package) for package in PACKAGES), path
    # The script runs the venv's interpreter, and the install is a wheel's, not an editable one.
    assert str(installed.venv / "bin" / "python") in installed.exe.read_text("utf-8")
    direct_url = installed.python_json(
        "import importlib.metadata as m; print(m.distribution('matome-search').read_text('direct_url.json'))"
    )
    assert "archive_info" in direct_url and not direct_url.get("dir_info", {}).get("editable")
    version = tomllib.loads((installed.source / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert version in installed.cli("--version").stdout


def test_index_then_query_and_stats(installed, index_dir):
    human = installed.cli("query", "--index-dir", index_dir, WORD).stdout
    assert int(re.match(r"(\d+) matches", human).group(1)) > 0, human
    assert "[数学]" in human  # the snippet marks the match
    page = json.loads(installed.cli("query", "--index-dir", index_dir, "--json", WORD).stdout)
    assert page["query"] == WORD and page["total"] > 0 and page["results"]
    assert {"user", "post_url", "snippet", "score"} <= set(page["results"][0])
    # The shipped loanword table (package data) bridges `model` to モデル.
    page = json.loads(installed.cli("query", "--index-dir", index_dir, "--json", "--explain", "model").stdout)
    assert page["explain"]["clauses"][0]["loanwords"] == ["モデル"] and page["total"] > 0
    stats = json.loads(installed.cli("stats", "--index-dir", index_dir, "--json").stdout)
    assert stats["posts"] > 0 and stats["comments"] > 0
    # A second run finds nothing to do: the index is the installed command's own.
    out = installed.cli("index", "--site", installed.work / "site", "--index-dir", index_dir).stdout
    assert "0 added" in out, out


# -- serving -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str):
    """(status, headers, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    log: Path


def start(installed, site, index_dir, workers: str) -> Server:
    port = free_port()
    log = installed.work / f"serve-{workers}.log"
    with open(log, "w", encoding="utf-8") as err:  # a file: nobody reads a pipe meanwhile
        proc = subprocess.Popen(
            [
                installed.exe,
                "serve",
                "--site",
                site,
                "--index-dir",
                index_dir,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                workers,
            ],
            cwd=installed.work,
            env=installed.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve exited {proc.returncode}:\n{log.read_text('utf-8')}"
        try:
            if fetch(server.base + "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # its own session: the server and its workers
    proc.wait()
    pytest.fail(f"serve did not answer /healthz in 120 s:\n{log.read_text('utf-8')}")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(server: Server) -> str:
    """Stop the server with TERM, as an init system would; return what it logged meanwhile.

    It must exit 0 and leave no process behind (gunicorn's workers: the
    server runs in a session of its own, whose group they share).
    """
    proc = server.proc
    before = server.log.stat().st_size
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        code = None
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = group_alive(proc.pid)
    if left or code is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    text = server.log.read_bytes()[before:].decode("utf-8", "replace")
    assert code == 0, f"serve exited {code} on TERM (None: still running after 60 s):\n{text}"
    assert not left, f"serve left processes running after TERM:\n{text}"
    assert "Traceback" not in text, text
    return text


@pytest.fixture(scope="module", params=["2", "1"], ids=["gunicorn", "waitress"])
def server(request, installed, site, index_dir):
    server = start(installed, site, index_dir, request.param)
    try:
        yield server
    finally:
        stop(server)


class Links(HTMLParser):
    """The URLs of every href, src and form action in a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name in ("href", "src") or (tag == "form" and name == "action")):
                self.urls.append(value)


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


def app_routes(installed, index_dir) -> list[str]:
    """The GET routes of the installed app, as its URL map has them."""
    code = (
        "import json; from web import create_app\n"
        f"app = create_app({{'INDEX_DIR': {str(index_dir)!r}}})\n"
        "print(json.dumps([r.rule for r in app.url_map.iter_rules() if 'GET' in r.methods]))"
    )
    return installed.python_json(code)


def test_every_page_endpoint_and_static_file_answers(installed, index_dir, server):
    base = server.base
    netloc = urllib.parse.urlsplit(base).netloc
    seen: dict[str, int] = {}

    def get(path: str, expect: int = 200):
        status, headers, body = fetch(base + path)
        seen[path] = status
        assert status == expect, f"GET {path}: {status}, wanted {expect}\n{body[:2000]!r}"
        return headers, body

    # The JSON API and the health check.
    headers, body = get("/healthz")
    health = json.loads(body)
    assert health["status"] == "ok" and health["comments"] > 0
    headers, body = get("/api/search?q=" + urllib.parse.quote(WORD))
    page = json.loads(body)
    assert headers.get_content_type() == "application/json" and page["total"] > 0
    hit = page["results"][0]
    assert json.loads(get("/api/openapi.json")[1])["paths"]["/api/search"]
    context = f"post={urllib.parse.quote(hit['post_path'])}&quote={hit['quote_index']}"
    assert [c["hit"] for c in json.loads(get("/api/context?" + context)[1])["comments"]].count(True) == 1
    # The OpenSearch description, and the two search URLs it gives browsers.
    headers, body = get("/opensearch.xml")
    assert headers.get_content_type() == "application/opensearchdescription+xml"
    xml = body.decode("utf-8")
    templates = re.findall(r'template="([^"]+)"', xml)
    assert len(templates) == 2 and all(t.startswith(base + "/") for t in templates), xml
    for template in templates:
        get(template.replace("{searchTerms}", urllib.parse.quote(WORD))[len(base) :])
    # Every static file, byte for byte as in the tree.
    static = sorted(p for p in (installed.source / "web" / "static").rglob("*") if p.is_file())
    assert static
    for path in static:
        name = path.relative_to(installed.source / "web" / "static").as_posix()
        assert get("/static/" + name)[1] == path.read_bytes(), name
    # The HTML pages: landing, results (with filters), a user's page; then
    # every same-site link, stylesheet, script and form they hold.
    routes = app_routes(installed, index_dir)
    user = urllib.parse.quote(hit["user"], safe="")
    pages = [
        "/",
        "/?q=" + urllib.parse.quote(WORD),
        f"/?q={urllib.parse.quote(WORD)}&sort=newest&user={user}",
        "/?tag=" + urllib.parse.quote(hit["tags"][0]) if hit["tags"] else "/?sort=oldest&q=a",
        f"/users/{user}",
    ]
    if "/users/" in routes:  # the user page for a name a path cannot carry
        pages.append(f"/users/?name={user}")
    found: list[str] = []
    for path in pages:
        headers, body = get(path)
        assert headers.get_content_type() == "text/html"
        html = body.decode("utf-8")
        assert "/opensearch.xml" in html and "/static/style.css" in html and "/static/app.js" in html
        found += [urllib.parse.urljoin(base + path, link) for link in links_of(html)]
    crawl = []
    for url in found:
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == netloc and path not in seen and path not in crawl:
            crawl.append(path)
    assert crawl, "the pages link to nothing on the site"
    assert len(crawl) <= MAX_CRAWL, f"{len(crawl)} links: the crawl is meant to stay small"
    for path in crawl:
        get(path)
    # The documented errors: a 400 naming the parameter, and the error page.
    headers, body = get("/api/search?page=0", 400)
    assert json.loads(body)["param"] == "page"
    headers, body = get("/?page=0", 400)
    assert headers.get_content_type() == "text/html" and "検索条件を確認してください" in body.decode("utf-8")
    headers, body = get("/no/such/page", 404)
    assert "ページが見つかりません" in body.decode("utf-8")
    # Nothing failed on the server's side, even where the status was right.
    log = server.log.read_text("utf-8")
    assert "Traceback" not in log and "TemplateNotFound" not in log, log
    # Every GET route the app has was requested at least once.
    requested = [urllib.parse.urlsplit(path).path for path in seen]
    for rule in routes:
        pattern = re.compile(".+".join(map(re.escape, re.split(r"<[^>]+>", rule))))
        assert any(pattern.fullmatch(path) for path in requested), f"no request covered the route {rule}"
