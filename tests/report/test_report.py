"""report.html and the map: content, escaping, bad folders; and a real browser opening them."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from tests.cli.test_run import SMALL

Write = Callable[[str, str], Path]

EVIL = (SMALL.replace("name: small", "name: '<script>alert(\"name\")</script>'")
        .replace("  - id: qualify\n", "  - id: qualify\n    name: '<script>alert(1)</script> $x$ & co'\n")
        .replace("  closer: {headcount: 1}", "  closer: {}\npeople:\n  - {name: '<img src=x onerror=alert(2)>', "
                 "role: closer}"))
CHARTS = ("map", "funnel", "cycle-time", "utilization", "wip")


@pytest.fixture
def evil_report(write_yaml: Write, tmp_path: Path) -> Path:
    f = write_yaml(EVIL, "evil.yaml")
    out = tmp_path / "run"
    assert main(["run", str(f), "--out", str(out), "--report", "--no-events"]) == 0
    return out / "report.html"


def test_strings_from_the_scenario_are_escaped(evil_report: Path) -> None:
    page = evil_report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x$ &amp; co" in page  # the stage's name, shown as text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from the network


def test_the_report_has_the_map_and_every_chart(evil_report: Path) -> None:
    page = evil_report.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in page
    assert page.count("<svg") == len(CHARTS)
    assert 'data-table="stages"' in page
    assert 'data-table="people"' in page


def test_report_of_a_folder_with_missing_files(tmp_path: Path, evil_report: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = evil_report.parent
    (folder / "weekly.csv").unlink()
    assert main(["report", str(folder)]) == 2
    assert "report.html: exists; pass --force" in capsys.readouterr().err  # no silent overwrite
    assert main(["report", str(folder), "--force"]) == 2
    err = capsys.readouterr().err
    assert "missing weekly.csv" in err
    assert "Traceback" not in err
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_report_of_a_folder_with_a_broken_summary(evil_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (evil_report.parent / "summary.json").write_text("{not json", encoding="utf-8")
    assert main(["report", str(evil_report.parent), "--force"]) == 2
    assert "not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "missing"), [("summary.json", "replications"), ("recommendation.json", "status")])
def test_a_results_file_of_the_wrong_shape_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                                    missing: str) -> None:
    """Valid JSON that is not what salesmap wrote: the file and the missing fields, exit 2, no traceback."""
    (tmp_path / name).write_text("{}", encoding="utf-8")
    for other in ("scenario.yaml", "today.yaml", "weekly.csv", "cycle_times.csv"):
        (tmp_path / other).write_text("", encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / name}: not a {name} as salesmap writes it: {missing}: Field required" in err
    assert "Traceback" not in err


def test_map_without_simulating(write_yaml: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(EVIL, "evil.yaml")
    out = tmp_path / "m.svg"
    assert main(["map", str(f), "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert "&lt;script&gt;" in svg
    assert "<script" not in svg
    assert main(["map", str(f), "--out", str(out)]) == 2  # no silent overwrite
    assert "--force" in capsys.readouterr().err
    assert main(["map", str(f), "--out", str(tmp_path / "m.png")]) == 2
    html = tmp_path / "m.html"
    assert main(["map", str(f), "--out", str(html)]) == 0
    assert 'data-chart="map"' in html.read_text(encoding="utf-8")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_or_skip() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("SALESMAP_REQUIRE_BROWSER"):
            pytest.fail("SALESMAP_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("no chromium on this machine (CI installs Debian's package)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("SALESMAP_REQUIRE_BROWSER"):
            pytest.fail("SALESMAP_REQUIRE_BROWSER is set but playwright is not installed (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    return path


def _open_in_browser(page_path: Path, shot: Path, selectors: list[str]) -> list[str]:
    """Load a page in headless Chromium; return its console errors; save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_browser_or_skip(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        for sel in selectors:
            box = page.locator(sel).first.bounding_box()
            assert box is not None, sel
            assert box["width"] > 100, sel
            assert box["height"] > 100, sel
        assert page.evaluate("() => typeof window.alert_called") == "undefined"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return problems


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SALESMAP_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_run_report_in_a_real_browser(evil_report: Path, tmp_path: Path) -> None:
    _browser_or_skip()
    shot = _shots(tmp_path) / "run-report.png"
    problems = _open_in_browser(evil_report, shot, [f'figure[data-chart="{c}"] svg' for c in CHARTS])
    assert problems == []
    assert shot.stat().st_size > 50_000


@pytest.mark.slow
def test_compare_report_in_a_real_browser(write_yaml: Write, tmp_path: Path) -> None:
    _browser_or_skip()
    base = write_yaml(SMALL, "base.yaml")
    more = write_yaml("extends: base.yaml\nname: more-closers\nroles: {closer: {headcount: 2}}\n", "more.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(more), "--out", str(out), "--replications", "3", "--report"]) == 0
    shot = _shots(tmp_path) / "compare-report.png"
    problems = _open_in_browser(out / "report.html", shot, ['figure[data-chart="forest"] svg',
                                                            'figure[data-chart="map"] svg'])
    assert problems == []


def test_the_maps_of_a_comparison_share_one_wait_scale(write_yaml: Write, tmp_path: Path) -> None:
    base = write_yaml(SMALL, "base.yaml")
    fewer = write_yaml("extends: base.yaml\nname: one-rep\nroles: {rep: {headcount: 1}}\n", "fewer.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(fewer), "--out", str(out), "--replications", "2", "--report"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    scales = re.findall(r"darkest = (\d+) h", page)
    assert len(scales) == 3  # the note and both maps' legends
    assert len(set(scales)) == 1


@pytest.mark.slow
def test_optimize_report_escapes_and_opens_in_a_real_browser(write_yaml: Write, tmp_path: Path) -> None:
    """A scenario whose names are HTML: the optimizer's page (changes, trade-off, maps) shows them as text."""
    f = write_yaml(EVIL.replace("  rep: {headcount: 2}", "  rep: {headcount: 2, can_do: [qualify, close]}"),
                   "evil.yaml")
    out = tmp_path / "opt" / "recommended.yaml"
    assert main(["optimize", str(f), "--out", str(out), "--replications", "3", "--report", "--objective",
                 "balanced"]) == 0
    page = (out.parent / "report.html").read_text()
    assert "<img src=x" not in page
    assert "<script>alert" not in page
    assert "<h1>Who should do what: &lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;</h1>" in page
    _browser_or_skip()
    shot = _shots(tmp_path) / "optimize-report.png"
    selectors = ['figure[data-chart="map"] svg'] + (['figure[data-chart="frontier"] svg']
                                                     if 'data-chart="frontier"' in page else [])
    assert _open_in_browser(out.parent / "report.html", shot, selectors) == []


def test_one_person_on_too_many_stages_is_flagged_in_the_map_and_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rep on four stages looked like a rep on two: the per-person grid and a terminal line show it."""
    from tests.conftest import SCENARIOS

    out = tmp_path / "map.html"
    assert main(["map", str(SCENARIOS / "one-rep-five-stages.yaml"), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    grid = page[page.index('data-table="responsibility"'):]
    start = grid.index("<td>Dana</td>")
    row = grid[grid.rindex("<tr", 0, start):grid.index("</tr>", start)]
    assert row.startswith('<tr class="over">')
    assert row.count('class="own"') == 5
    assert "<td>5 ⚠</td>" in row
    assert main(["run", str(SCENARIOS / "one-rep-five-stages.yaml"), "--out", str(tmp_path / "r"), "--no-events",
                 "--replications", "2"]) == 0
    assert "Dana (rep, 5 stages)" in capsys.readouterr().out


def test_a_staff_folder_has_a_report(write_yaml: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`report` had no page for a staff folder: headcount and cost, the rounds, before and after, both maps."""
    f = write_yaml(EVIL.replace("20/week", "45/week"), "evil.yaml")
    out = tmp_path / "staff" / "staffed.yaml"
    code = main(["staff", str(f), "--target", "max_utilization<=0.7", "--roles", "closer", "--out", str(out),
                 "--replications", "3", "--report"])
    assert code in (0, 2, 3, 4)
    page = (out.parent / "report.html").read_text(encoding="utf-8")
    assert 'data-table="headcount"' in page
    assert 'data-table="rounds"' in page
    assert "<img src=x" not in page
    assert "<script>alert" not in page
    if code == 0:
        assert page.count('data-chart="map"') == 2
    (out.parent / "report.html").unlink()
    assert main(["report", str(out.parent)]) == 0
    assert (out.parent / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_names_in_the_optimizer_sentences_keep_their_direction() -> None:
    """A Hebrew name in an English sentence would take the number after it into its right-to-left run
    ("20.0% נועה" for "נועה 20.0%"): each name is isolated in <bdi>, whole names only, never inside an
    escape sequence."""
    from salesmap.report.html import _e, _isolated

    text = _e("Sam 40.0%, נועה 20.0%; rep-10 & amp <x>")
    out = _isolated(text, ["נועה", "Sam", "rep-1", "amp", "x"])
    assert "<bdi>נועה</bdi> 20.0%" in out
    assert "<bdi>Sam</bdi> 40.0%" in out
    assert "rep-10" in out
    assert "<bdi>rep-1</bdi>" not in out
    assert "&amp; <bdi>amp</bdi> &lt;<bdi>x</bdi>&gt;" in out  # entities untouched, the names beside them isolated
