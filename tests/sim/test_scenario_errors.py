"""Bad input: every malformed scenario gets one clear message per problem, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesmap.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario, parse_scenario

GOOD = """\
schema_version: 1
name: good
horizon: 4w
sources:
  - {name: web, rate: 10/week, enters: qualify}
roles:
  rep: {headcount: 2}
  closer: {headcount: 1}
stages:
  - id: qualify
    role: rep
    work: {dist: lognormal, mean: 30m, cv: 0.5}
    outcomes: {close: 0.4, lost: 0.6}
  - id: close
    role: closer
    work: {dist: exponential, mean: 2h}
    outcomes: {won: 0.5, lost: 0.5}
"""

CASES = {
    # name: (replace this, with this, expected text in the message)
    "yaml syntax error with line": ("  rep: {headcount: 2}", "  rep: {headcount: 2",
                                    ":8: (top level): YAML syntax error"),
    "unknown key": ("    role: rep\n", "    role: rep\n    colour: red\n",
                    "stages[0].colour='red': unknown key; allowed here: id, name, role"),
    "missing field": ("horizon: 4w\n", "", "horizon: required field is missing"),
    "probabilities not summing to 1": ("{close: 0.4, lost: 0.6}", "{close: 0.4, lost: 0.5}",
                                       "stages[0].outcomes: probabilities sum to 0.9; they must sum to 1"),
    "unknown stage in outcomes": ("{close: 0.4, lost: 0.6}", "{clsoe: 0.4, lost: 0.6}",
                                  "stages[0].outcomes.clsoe='clsoe': unknown outcome; did you mean close?; "
                                  "allowed: won, lost, stalled, qualify, close"),
    "unknown stage entered": ("enters: qualify", "enters: qualification",
                              "sources[0].enters='qualification': unknown stage; did you mean qualify?; allowed: "
                              "qualify, close"),
    "unknown role": ("    role: closer\n", "    role: closers\n",
                     "stages[1].role='closers': unknown role; did you mean closer?; allowed: rep, closer"),
    "stage no lead can reach": ("{close: 0.4, lost: 0.6}", "{lost: 1.0}",
                                "stages[1].id='close': no lead can reach this stage"),
    "loop with no way out": ("{won: 0.5, lost: 0.5}", "{close: 1.0}",
                             "stages[1].outcomes={'close': 1.0}: leads in stage 'close' loop forever"),
    "stage nobody is responsible for": ("  closer: {headcount: 1}", "  closer: {headcount: 0}",
                                        "stages[1]: stage 'close': nobody is responsible for it"),
    "zero duration": ("{dist: exponential, mean: 2h}", "{dist: exponential, mean: 0h}",
                      "stages[1].work.mean='0h': mean(=0) must be > 0"),
    "negative duration": ("{dist: lognormal, mean: 30m, cv: 0.5}", "{dist: lognormal, mean: -30m, cv: 0.5}",
                          "stages[0].work.mean='-30m': cannot read '-30m' as a work effort"),
    "unknown unit": ("horizon: 4w", "horizon: 4 fortnights", "horizon='4 fortnights': unknown unit 'fortnights'"),
    "bare number": ("horizon: 4w", "horizon: 28", "horizon=28: a bare number is not a duration"),
    "work in days": ("{dist: exponential, mean: 2h}", "{dist: exponential, mean: 1d}",
                     "work is effort in working hours: write 8h, not 1d"),
    "unknown distribution": ("{dist: exponential, mean: 2h}", "{dist: poisson, mean: 2h}",
                             "stages[1].work.dist='poisson': unknown distribution poisson; allowed: exponential"),
    "distribution without dist": ("{dist: exponential, mean: 2h}", "{mean: 2h}",
                                  "stages[1].work: say which distribution with `dist:`"),
    "bad rate unit": ("rate: 10/week", "rate: 10/fortnight", "sources[0].rate='10/fortnight': unknown rate unit"),
    "duplicate key": ("horizon: 4w\n", "horizon: 4w\nhorizon: 8w\n", ":4: horizon: duplicate key"),
    "unsupported schema version": ("schema_version: 1", "schema_version: 7",
                                   "schema_version=7: unsupported schema_version; this salesmap reads "
                                   "schema_version: 1"),
    "python tag is not constructed": ("name: good", "name: !!python/object/apply:os.system ['echo hacked']",
                                      "YAML syntax error"),
    "headcount disagrees with people": ("  closer: {headcount: 1}\n",
                                        "  closer: {headcount: 2}\npeople:\n  - {name: Eli, role: closer}\n",
                                        "roles.closer.headcount=2: people lists 1 closer(s)"),
    "person with unknown stage": ("  closer: {headcount: 1}\n",
                                  "  closer: {}\npeople:\n  - {name: Eli, role: closer, stages: [closing]}\n",
                                  "people[0].stages[0]='closing': unknown stage"),
    "warmup not before horizon": ("horizon: 4w\n", "horizon: 4w\nwarmup: 5w\n",
                                  "warmup='5w': must be shorter than the horizon (4w)"),
    "probability above 1": ("{won: 0.5, lost: 0.5}", "{won: 1.5, lost: -0.5}",
                            "stages[1].outcomes.won=1.5: Input should be less than or equal to 1"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_malformed_file_gets_a_clear_message(name: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    old, new, expected = CASES[name]
    assert old in GOOD, "the case must change the good file"
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value), str(err.value)
    assert main(["validate", str(path)]) == 2
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert expected in captured.err
    assert not (tmp_path / "out").exists()


def test_the_good_file_is_good(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_scenario(path).name == "good"


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("horizon: 4w", "horizon: 4").replace("role: rep\n", "role: rep\n    colour: red\n")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "two.yaml")
    assert len(err.value.problems) == 2


def test_reference_problems_of_every_kind_come_together() -> None:
    """A wrong stage in people[].stages used to appear only once the other references were fixed."""
    text = (GOOD.replace("enters: qualify", "enters: qualifiy")
            .replace("  closer: {headcount: 1}\n", "  closer: {}\npeople:\n  - {name: Eli, role: closer, "
                     "stages: [clsoe]}\n"))
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "refs.yaml")
    message = str(err.value)
    assert "sources[0].enters='qualifiy': unknown stage; did you mean qualify?" in message
    assert "people[0].stages[0]='clsoe': unknown stage; did you mean close?; allowed: qualify, close" in message


@pytest.mark.parametrize(("content", "expected"), [
    (None, "file not found"),
    ("", "the file is empty"),
    ("- just\n- a list\n", "the file is a list; a scenario is a mapping"),
    ("just a sentence", "the file is a str"),
])
def test_files_that_are_not_scenarios(tmp_path: Path, content: str | None, expected: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(path)
    assert main(["run", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_folder_or_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a file"):
        load_scenario(tmp_path)
    p = tmp_path / "x.yaml"
    p.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(p)
