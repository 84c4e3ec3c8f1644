"""A results folder is untrusted input: crafted files give a clear error or a page with no script in it.

The fuzz takes real folders of `run`, `compare` and `optimize`, replaces one value of a results file
at a time with a hostile or mistyped value (a fixed, seeded sample of every leaf and payload), and
makes the report: exit 0 with a page in which no payload is live, or exit 2 with one line naming the
file; never a traceback. A fuzz of 34 crafted folders used to give 19 tracebacks, and numbers such as
`replications` reached the page raw.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesmap.cli import main
from tests.cli.test_run import SMALL

PAYLOADS: list[Any] = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</svg><script>x</script>",
                       "\u001b]0;pwned\u0007", None, [], {}, True, -1, 10**30, 1e300, "12", "NaN", [1, 2, 3]]
LIVE = ("<script", "<img", "onerror=", "\u001b")


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list) and data:
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    data[path[0]] = _set(data[path[0]], path[1:], value)
    return data


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Real results folders: the file each one's report reads."""
    root = tmp_path_factory.mktemp("crafted")
    f = root / "small.yaml"
    f.write_text(SMALL.replace("  rep: {headcount: 2}", "  rep: {headcount: 2, can_do: [qualify, close]}"))
    g = root / "more.yaml"
    g.write_text("extends: small.yaml\nname: more\nroles: {closer: {headcount: 2}}\n")
    assert main(["run", str(f), "--out", str(root / "run"), "--no-events", "--replications", "2"]) == 0
    assert main(["compare", str(f), str(g), "--out", str(root / "cmp"), "--replications", "2"]) == 0
    assert main(["optimize", str(f), "--out", str(root / "opt" / "recommended.yaml"), "--replications", "3",
                 "--objective", "balanced"]) == 0  # asked: nobody is overloaded in this small team
    return {"run": (root / "run", "summary.json"), "compare": (root / "cmp", "comparison.json"),
            "optimize": (root / "opt", "recommendation.json")}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "compare", "optimize"])
def test_crafted_results_files_give_an_error_or_a_safe_page(folders: dict[str, tuple[Path, str]], kind: str,
                                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, name = folders[kind]
    original = json.loads((source / name).read_text())
    leaves = list(_leaves(original))
    rng = random.Random(f"crafted-{kind}")
    cases = [(rng.choice(leaves), rng.choice(PAYLOADS)) for _ in range(60)]
    top = ("before",) if kind == "optimize" else ()
    cases += [((*top, "replications"), "<script>alert(1)</script>"), ((*top, "seed"), "<b>1</b>")]
    outcomes = {0: 0, 2: 0}
    for i, (leaf, payload) in enumerate(cases):
        folder = tmp_path / f"{kind}-{i}"
        shutil.copytree(source, folder)
        (folder / "report.html").unlink(missing_ok=True)
        data = _set(json.loads(json.dumps(original)), leaf, payload)
        (folder / name).write_text(json.dumps(data))
        code = main(["report", str(folder)])
        out = capsys.readouterr()
        assert code in (0, 2), (leaf, payload)
        assert "Traceback" not in out.err, (leaf, payload)
        outcomes[code] += 1
        if code == 0:
            page = (folder / "report.html").read_text(encoding="utf-8")
            live = [m for m in LIVE if m in page]
            assert live == [], (leaf, payload, live)
        else:
            assert out.err.startswith("error: "), out.err
            assert len(out.err.splitlines()) <= 3
    assert outcomes[2] > 0  # the shapes that matter are refused


@pytest.mark.slow
def test_comparison_folders_cannot_point_outside(folders: dict[str, tuple[Path, str]], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    source, name = folders["compare"]
    for evil in ("../run", "/etc", "..", ".hidden"):
        folder = tmp_path / f"cmp-{abs(hash(evil))}"
        shutil.copytree(source, folder)
        data = json.loads((folder / name).read_text())
        first = next(iter(data["folders"]))
        data["folders"][first] = evil
        (folder / name).write_text(json.dumps(data))
        assert main(["report", str(folder), "--force"]) == 2
        assert "not a plain folder name" in capsys.readouterr().err


@pytest.mark.slow
def test_a_scenario_file_that_is_a_link_is_refused(folders: dict[str, tuple[Path, str]], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source, _ = folders["run"]
    folder = tmp_path / "run"
    shutil.copytree(source, folder)
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    (folder / "scenario.yaml").unlink()
    (folder / "scenario.yaml").symlink_to(secret)
    assert main(["report", str(folder), "--force"]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err
    assert "hunter2" not in err


SCRIPT = '<img src=x onerror="window.alert_called=1"><script>window.alert_called=1</script>'
TEXT_FIELDS: dict[str, list[tuple[str, ...]]] = {
    "run": [("bottleneck",)],
    "compare": [],
    "optimize": [("message",), ("solver",), ("objective_kind",), ("status",), ("validation", "reason")],
}


def _payload_everywhere(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """Script payloads in every free-text field the report shows (names come from scenario.yaml, which
    the loader checks; they are covered by the escaping tests of test_report.py)."""
    for path in TEXT_FIELDS[kind]:
        try:
            _set(data, path, SCRIPT)
        except (KeyError, TypeError):
            continue
    for person in (data.get("staff") or {}).values():
        person["role"] = SCRIPT
    for move in data.get("changes") or []:
        move["text"] = SCRIPT
    for row in data.get("frontier") or []:
        row["reason"] = SCRIPT
    return data


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "compare", "optimize"])
def test_no_script_runs_from_a_crafted_folder_in_a_real_browser(folders: dict[str, tuple[Path, str]], kind: str,
                                                               tmp_path: Path) -> None:
    from tests.report.test_report import _browser_or_skip, _open_in_browser

    source, name = folders[kind]
    folder = tmp_path / kind
    shutil.copytree(source, folder)
    data = _payload_everywhere(json.loads((folder / name).read_text()), kind)
    (folder / name).write_text(json.dumps(data))
    assert main(["report", str(folder), "--force"]) == 0
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<img" not in page
    _browser_or_skip()
    problems = _open_in_browser(folder / "report.html", tmp_path / f"{kind}.png", ['figure[data-chart="map"] svg'])
    assert problems == []  # _open_in_browser also checks that window.alert_called stayed undefined
