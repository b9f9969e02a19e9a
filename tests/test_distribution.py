"""How gpucalc reaches its users: the wheel and the sdist, the GitHub Action, the pre-commit
hook, and the versions the docs pin.

The packaging tests build from a copy of the working tree (``git ls-files``: what a clone
has), install the wheel into a new virtual environment (its dependencies come from the
package index or pip's cache, nothing from this environment), and run it from outside the
source tree. The action's steps run in that environment, in a temporary git repository.
Building uses ``python -m build --no-isolation`` with this environment's setuptools (the dev
extra pins it), which keeps the test quick and off the network.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from gpu_calc import __version__
from tests.conftest import ROOT, SEED, SMALL

TIMEOUT = 600


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("timeout", TIMEOUT)
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, f"{proc.args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a clone of the repository has (tracked, and new files not ignored)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the source tree is not a git checkout: cannot tell its files")
    listed = _ok(
        _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    ).stdout
    out = tmp_path_factory.mktemp("src")
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / name)
    return out


@pytest.fixture(scope="module")
def dist(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``python -m build``: an sdist, and a wheel built from that sdist."""
    pytest.importorskip("build", reason="the dev extra installs build")
    out = tmp_path_factory.mktemp("dist")
    _ok(_run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)]))
    wheels = list(out.glob("*.whl"))
    sdists = list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


@pytest.fixture(scope="module")
def env(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; its ``bin`` folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    bindir = home / "bin"
    _ok(_run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(dist["wheel"])]))
    return bindir


def _env_vars(bindir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process run from ``bindir``, outside any other venv."""
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    base["PATH"] = f"{bindir}{os.pathsep}{base.get('PATH', '')}"
    base.update(extra)
    return base


# ----------------------------------------------------------------------------- packaging


def test_wheel_and_sdist_hold_the_package_and_its_presets(dist):
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = wheel.read(metadata).decode()
    presets = {f"gpu_calc/presets/{k}.yaml" for k in ("accelerators", "nodes", "sites")}
    assert presets <= names
    assert {"gpu_calc/__init__.py", "gpu_calc/api.py", "gpu_calc/py.typed"} <= names
    assert f"Version: {__version__}" in meta
    assert "Provides-Extra: pandas" in meta and "Provides-Extra: plot" in meta
    assert re.search(r"^Requires-Dist: (?i:xlsxwriter)", meta, re.M)
    with tarfile.open(dist["sdist"]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert presets <= members
    assert {"pyproject.toml", "README.md", "CHANGELOG.md", "scenarios/meta-2024.yaml"} <= members
    # what the sdist's own files point to: every scenario's `$schema=../docs/...` line, and
    # the images the README shows
    schema = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)
    for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
        for target in schema.findall(scenario.read_text()):
            assert f"scenarios/{target}".replace("scenarios/../", "") in members, scenario.name
    images = re.findall(r"\]\((docs/img/[^)]+)\)", (ROOT / "README.md").read_text())
    assert images and set(images) <= members
    assert {"docs/scenario.schema.json", "docs/img/cumulative.svg"} <= members


def test_twine_check_passes(dist):
    pytest.importorskip("twine", reason="the dev extra installs twine")
    proc = _ok(
        _run([sys.executable, "-m", "twine", "check", str(dist["wheel"]), str(dist["sdist"])])
    )
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_the_wheel_runs_in_a_clean_venv(env, tmp_path):
    work = tmp_path / "elsewhere"  # not the source tree: the installed package must do
    work.mkdir()
    shutil.copy(SEED, work / "meta.yaml")
    run_env = _env_vars(env)
    proc = _ok(_run([str(env / "gpucalc"), "--version"], cwd=work, env=run_env))
    assert proc.stdout.strip() == f"gpucalc {__version__}"
    # presets are found inside the installed package: meta-2024.yaml names four of them
    proc = _ok(
        _run([str(env / "gpucalc"), "compare", "meta.yaml", "-f", "json"], cwd=work, env=run_env)
    )
    installed = json.loads(proc.stdout)
    here = json.loads(json.dumps(__import__("gpu_calc").compare(SEED).to_dict()))
    assert {k: v for k, v in installed.items() if k != "source"} == {
        k: v for k, v in here.items() if k != "source"
    }
    _ok(
        _run(
            [str(env / "gpucalc"), "compare", "meta.yaml", "-f", "xlsx", "-o", "m.xlsx"],
            cwd=work,
            env=run_env,
        )
    )
    assert (work / "m.xlsx").read_bytes()[:2] == b"PK"
    code = (
        "import gpu_calc, sys; r = gpu_calc.compare('meta.yaml');"
        "print(gpu_calc.__file__); print(r.to_dict()['comparison']['cheaper'])"
    )
    proc = _ok(_run([str(env / "python"), "-c", code], cwd=work, env=run_env))
    where, cheaper = proc.stdout.split()
    assert Path(where).is_relative_to(env.parent) and not Path(where).is_relative_to(ROOT)
    assert cheaper == here["comparison"]["cheaper"]
    # pandas is an extra: not installed by the wheel, and to_pandas says how to get it
    code = "import gpu_calc; gpu_calc.compare('meta.yaml').to_pandas()"
    proc = _run([str(env / "python"), "-c", code], cwd=work, env=run_env)
    assert proc.returncode == 1
    assert "pip install 'gpucalc[pandas]'" in proc.stderr


def test_the_sdist_installs_and_runs(env, dist, tmp_path):
    """The sdist builds and installs on its own (into the same venv, over the wheel)."""
    run_env = _env_vars(env)
    _ok(
        _run(
            [str(env / "python"), "-m", "pip", "install", "--quiet", "--force-reinstall",
             "--no-deps", str(dist["sdist"])],
            env=run_env,
        )
    )  # fmt: skip
    proc = _ok(
        _run(
            [str(env / "gpucalc"), "presets", "--kind", "nodes", "-f", "json"],
            env=run_env,
            cwd=tmp_path,
        )
    )
    assert "n5" in proc.stdout


# ----------------------------------------------------------------------------- the Action


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_yml_is_a_composite_action_with_the_documented_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) == {"paths", "junit", "summary", "expect", "set", "python-version"}
    for name, spec in inputs.items():
        assert spec["description"] and "default" in spec, name
    steps = action["runs"]["steps"]
    setup = steps[0]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    for step in steps[1:]:
        assert step["shell"] == "bash" and "run" in step
        # inputs reach scripts through env, never pasted into the script's text
        assert "${{" not in step["run"], step["name"]
    assert "${{ github.action_path }}" in steps[1]["env"].values()
    assert "gpucalc batch" in steps[2]["run"]
    doc = (ROOT / "docs" / "ci.md").read_text()
    for name in inputs:
        assert f"`{name}`" in doc, f"docs/ci.md does not document the input {name}"


def _expand(value: str, inputs: dict[str, str], action_path: Path) -> str:
    """``${{ inputs.x }}`` and ``${{ github.action_path }}`` as GitHub expands them."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return str(action_path)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


def _run_action(
    repo: Path, action_path: Path, bindir: Path, given: dict[str, str], tmp: Path
) -> tuple[list[subprocess.CompletedProcess[str]], dict[str, Path]]:
    """Run the action's ``run:`` steps as a runner would (bash -eo pipefail, inputs with
    their defaults, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files); ``uses:`` steps are the
    runner's Python, here the venv."""
    action = _action()
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(given)
    files = {"output": tmp / "github_output", "summary": tmp / "step_summary"}
    for f in files.values():
        f.write_text("")
    procs = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            continue
        env = _env_vars(
            bindir,
            GITHUB_OUTPUT=str(files["output"]),
            GITHUB_STEP_SUMMARY=str(files["summary"]),
            GITHUB_ACTION_PATH=str(action_path),
        )
        env.update(
            {k: _expand(str(v), inputs, action_path) for k, v in step.get("env", {}).items()}
        )
        script = tmp / "step.sh"
        script.write_text(_expand(step["run"], inputs, action_path))
        proc = _run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo, env=env
        )
        procs.append(proc)
        if proc.returncode != 0:
            break
    return procs, files


def _git_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    _ok(_run(["git", "init", "-q"], cwd=path))
    _ok(_run(["git", "add", "-A"], cwd=path))
    _ok(_run([*git, "commit", "-qm", "scenarios"], cwd=path))
    return path


def test_the_action_runs_in_a_repository(env, source, tmp_path):
    good = SMALL.replace("name: small", "name: team-a")
    repo = _git_repo(
        tmp_path / "repo",
        {
            "scenarios/team-a/a.yaml": good,
            "scenarios/b.yml": SMALL + "expect:\n  comparison.cheaper: {equals: buy}\n",
            "notes.yaml": "not: a scenario\n",
        },
    )
    given = {"expect": "comparison.cheaper={equals: buy}\n\nplans.buy.capex_usd={min: 1}\n"}
    procs, files = _run_action(repo, source, env, given, tmp_path)
    install, batch = procs
    _ok(install)
    _ok(batch)
    report = repo / "gpucalc-report.xml"
    assert report.read_text().count("<testcase") == 2
    assert 'failures="0"' in report.read_text()
    assert "`scenarios/b.yml`" in files["summary"].read_text()
    assert files["output"].read_text() == "junit=gpucalc-report.xml\n"
    assert "2 files: 2 ok, 0 failed, 0 invalid; 5 of 5 expectations held" in batch.stdout

    # a broken file and a failed expectation: the step fails with the batch's exit code
    (repo / "scenarios" / "c.yaml").write_text(SMALL.replace("  pue: 1.5", "  pue: 0.5"))
    procs, files = _run_action(
        repo, source, env, {"paths": "scenarios/team-a\n scenarios/c.yaml", "junit": ""}, tmp_path
    )
    batch = procs[-1]
    assert batch.returncode == 2, batch.stderr
    assert "scenarios/c.yaml:10:3: site.pue: must be >= 1, got 0.5" in batch.stderr
    assert files["output"].read_text() == ""  # no junit asked for
    procs, _ = _run_action(
        repo,
        source,
        env,
        {
            "paths": "scenarios/b.yml",
            "set": "build.share=0.9",
            "expect": "comparison.cheaper={equals: build}",
        },
        tmp_path,
    )
    assert procs[-1].returncode == 1, procs[-1].stderr
    assert "expected 'build', got 'buy'" in procs[-1].stderr


# ----------------------------------------------------------------------------- pre-commit


def _hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["gpucalc-validate"]
    return hooks[0]


def test_the_pre_commit_hook_matches_scenario_files_only():
    hook = _hook()
    assert hook["language"] == "python" and hook["types"] == ["yaml"]
    files = re.compile(hook["files"])
    for name in ("scenarios/a.yaml", "scenarios/team/b.yml", "infra/scenarios/c.yaml"):
        assert files.search(name), name
    for name in (".github/workflows/ci.yml", "mkdocs.yml", "scenarios.yaml", "my_scenarios/x.yaml"):
        assert not files.search(name), name


def test_the_pre_commit_hook_entry_passes_a_good_file_and_fails_a_bad_one(tmp_path):
    entry = shlex.split(_hook()["entry"])
    bindir = Path(sys.executable).parent  # where this environment installed gpucalc
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(SMALL)
    bad.write_text(SMALL.replace("  pue: 1.5", "  pue: 0.5"))
    env = _env_vars(bindir)
    # pre-commit appends the changed files to the entry
    proc = _run([*entry, str(good)], env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"{good}: ok\n"
    proc = _run([*entry, str(good), str(bad)], env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{bad}:10:3: site.pue: must be >= 1, got 0.5" in proc.stderr.splitlines()


# ----------------------------------------------------------------------------- docs/ci.md


def _ci_blocks(lang: str) -> list[str]:
    """The fenced ``lang`` code blocks of docs/ci.md."""
    text = (ROOT / "docs" / "ci.md").read_text()
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, re.M | re.S)


def _ci_yaml(top_key: str) -> dict:
    """The one YAML block of docs/ci.md with ``top_key`` at its top level, parsed."""
    found = [d for d in map(yaml.safe_load, _ci_blocks("yaml")) if top_key in d]
    assert len(found) == 1, f"docs/ci.md: {len(found)} YAML blocks with {top_key}"
    return found[0]


#: Words that stand for something the reader must fill in: never in a block to copy.
PLACEHOLDERS = re.compile(r"(?i:acme|example\.com)|\bOWNER\b|\bYOUR\b|<[a-z-]+>|\bSHA\b")


def test_ci_docs_pin_no_tag_and_no_placeholder():
    """gpucalc has no release tags (its version is pyproject's): docs pin commits or paths."""
    for doc in ("docs/ci.md", "README.md"):
        text = (ROOT / doc).read_text()
        assert not re.search(r"(?:gpucalc@|rev: )v?\d+\.\d+", text), doc
        assert "acme" not in text.lower(), doc
    blocks = _ci_blocks("yaml")
    assert len(blocks) >= 3  # the workflow, the pre-commit config, GitLab CI
    for block in blocks:
        assert not PLACEHOLDERS.search(block), block
    text = (ROOT / "docs" / "ci.md").read_text()
    # how to get the commit to pin, and the two ways without one
    assert "git rev-parse HEAD" in text and "full 40-character SHA" in text
    assert "uses: ./" in text and "repo: local" in text
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "tagged" not in changelog.split("## ")[0], "the changelog promises tags"


def test_the_workflow_in_ci_md_runs_the_action(env, source, tmp_path):
    """The workflow docs/ci.md shows: its gpucalc step names this action by path, with
    inputs the action has; run with those inputs on the repository's own scenarios, it
    passes and writes the report the next step publishes."""
    workflow = _ci_yaml("jobs")
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    step = next(s for s in steps if s.get("id") == "gpucalc")
    assert step["uses"] == "./" and (ROOT / step["uses"] / "action.yml").is_file()
    given = {k: str(v) for k, v in step.get("with", {}).items()}
    assert set(given) <= set(_action()["inputs"]), sorted(given)
    publish = steps[steps.index(step) + 1]
    assert publish["with"]["path"] == "${{ steps.gpucalc.outputs.junit }}"

    scenarios = {
        f"scenarios/{p.name}": p.read_text() for p in sorted((source / "scenarios").glob("*.yaml"))
    }
    repo = _git_repo(tmp_path / "repo", scenarios)
    procs, files = _run_action(repo, source, env, given, tmp_path)
    for proc in procs:
        _ok(proc)
    junit = files["output"].read_text().removeprefix("junit=").strip()
    assert (repo / junit).is_file()
    assert f'tests="{len(scenarios)}"' in (repo / junit).read_text()


def test_the_pre_commit_config_in_ci_md_runs_the_hook(tmp_path):
    """The local hook docs/ci.md shows is the published hook, and its entry works."""
    config = _ci_yaml("repos")
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    (local,) = repo["hooks"]
    hook = _hook()
    for key in ("id", "name", "entry", "files"):
        assert local[key] == hook[key], key
    assert local["language"] == "system"
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(SMALL)
    bad.write_text(SMALL.replace("  pue: 1.5", "  pue: 0.5"))
    env = _env_vars(Path(sys.executable).parent)
    proc = _run([*shlex.split(local["entry"]), str(good), str(bad)], env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[:2] == [
        f"{good}: ok",
        f"{bad}:10:3: site.pue: must be >= 1, got 0.5",
    ]


def test_the_gitlab_job_in_ci_md_runs(env, source, tmp_path):
    """The GitLab job installs gpucalc from the repository (here: the wheel, already in the
    venv) and its batch line passes on the repository's scenarios, writing its artifacts."""
    job = _ci_yaml("scenarios")["scenarios"]
    install, *script = job["script"]
    assert install == "python -m pip install ."
    work = tmp_path / "checkout"
    shutil.copytree(source / "scenarios", work / "scenarios")
    for line in script:
        _ok(_run(["bash", "-eo", "pipefail", "-c", line], cwd=work, env=_env_vars(env)))
    for artifact in job["artifacts"]["paths"]:
        assert (work / artifact).stat().st_size > 0, artifact
    assert job["artifacts"]["reports"]["junit"] in job["artifacts"]["paths"]


# ----------------------------------------------------------------------------- versions


def test_the_changelog_starts_with_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.M)
    assert versions and versions[0] == __version__, "the newest CHANGELOG entry is the version"
