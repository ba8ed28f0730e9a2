"""A scenario that extends a base file changes one ward by name (``[wards."Medical 1"]``)
without copying the base's wards."""

from __future__ import annotations

from pathlib import Path

import pytest

import qisim
from qisim.cli import main as cli
from qisim.scenario import ScenarioError, load_scenario, ward_names

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "scenarios" / "lessons" / "upsworth_positive_deviant.toml"


def extend(tmp_path, body: str, base: Path = LESSON) -> Path:
    path = tmp_path / "changed.toml"
    path.write_text(f'base = "{base}"\n' + body)
    return path


def test_one_ward_of_a_group_changes_alone(tmp_path):
    base = load_scenario(LESSON)
    path = extend(
        tmp_path,
        '[wards."Medical 1"]\nmanager = { enthusiasm = 0.95 }\nmicro_culture = 0.8\n',
    )
    changed = load_scenario(path)
    assert ward_names(changed) == ward_names(base)
    by_name = {w.name: w for w in changed.wards}
    assert by_name["Medical 1"].manager.enthusiasm == 0.95
    assert by_name["Medical 1"].micro_culture == 0.8
    # the rest of its manager, and its sister wards, are the base's
    medical = next(w for w in base.wards if w.name == "Medical")
    assert by_name["Medical 1"].manager.role_modelling == medical.manager.role_modelling
    for name in ("Medical 2", "Medical 3", "Medical 4"):
        assert by_name[name].model_dump(exclude={"name", "count"}) == medical.model_dump(
            exclude={"name", "count"}
        )
    # every other [[wards]] entry is untouched
    assert [w for w in changed.wards if not w.name.startswith("Medical")] == [
        w for w in base.wards if w.name != "Medical"
    ]


def test_a_whole_entry_changes_by_its_name(tmp_path):
    path = extend(tmp_path, '[wards."Elderly care"]\nvacancy = 0.05\n')
    changed = load_scenario(path)
    group = next(w for w in changed.wards if w.name == "Elderly care")
    assert (group.count, group.vacancy) == (3, 0.05)


def test_writing_out_a_group_leaves_the_run_alone(tmp_path):
    """Naming one ward of a group writes the group out ward by ward; with nothing changed the
    run is the same, draw for draw."""
    path = extend(tmp_path, '[wards."Surgical 2"]\n')
    a = qisim.run(load_scenario(LESSON), seed=3, days=90).summary
    b = qisim.run(load_scenario(path), seed=3, days=90).summary
    assert a == b


def test_references_to_a_written_out_group_follow_its_wards(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(
        '[[wards]]\nname = "A"\ncount = 3\n[[wards]]\nname = "B"\n'
        '[initiative]\ntarget_wards = ["A"]\n[initiative.rollout]\npilot_wards = ["A"]\n'
        '[[competing]]\nname = "Other"\nwards = ["A", "B"]\n'
        '[[events]]\nday = 10\nset = { "wards.A.sickness" = 0.2 }\n'
    )
    path = extend(tmp_path, '[wards."A 2"]\nvacancy = 0.3\n', base)
    sc = load_scenario(path)
    assert [w.name for w in sc.wards] == ["A 1", "A 2", "A 3", "B"]
    assert sc.initiative.target_wards == ["A 1", "A 2", "A 3"]
    assert sc.initiative.rollout.pilot_wards == ["A 1", "A 2", "A 3"]
    assert sc.competing[0].wards == ["A 1", "A 2", "A 3", "B"]
    assert sc.events[0].set == {f"wards.A {k}.sickness": 0.2 for k in (1, 2, 3)}


def test_a_name_that_matches_no_ward_lists_the_wards(tmp_path):
    path = extend(tmp_path, '[wards."Medcal 7"]\nvacancy = 0.3\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert str(path) in text and '[wards."Medcal 7"]' in text and "names no ward" in text
    assert "did you mean" in text
    for name in ward_names(load_scenario(LESSON)):
        assert repr(name) in text


def test_the_cli_reports_a_ward_name_in_one_paragraph(tmp_path, capsys):
    path = extend(tmp_path, '[wards."Nowhere"]\nvacancy = 0.3\n')
    assert cli(["run", str(path), "--days", "5", "--no-figure", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Nowhere" in err and "'Outstanding unit'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "body, expect",
    [
        ('[wards."Medical 1"]\nvacancy = 1.4\n', ["wards.Medical 1.vacancy", "1.4"]),
        ('[wards."Medical 1"]\nname = "New"\n', ["cannot rename"]),
        ('[wards."Medical 1"]\ncount = 2\n', ["count", '[wards."Medical"]']),
        ('[wards]\n"Medical 1" = 0.3\n', ["must be a table", "Medical 1"]),
    ],
)
def test_bad_ward_changes_are_explained(tmp_path, body, expect):
    with pytest.raises(ScenarioError) as err:
        load_scenario(extend(tmp_path, body))
    for text in expect:
        assert text in str(err.value)


def test_ward_changes_need_a_base(tmp_path):
    path = tmp_path / "alone.toml"
    path.write_text('[wards."A"]\nvacancy = 0.3\n')
    with pytest.raises(ScenarioError, match="names no base"):
        load_scenario(path)


def test_a_list_of_wards_still_replaces_the_bases(tmp_path):
    path = extend(tmp_path, '[[wards]]\nname = "Only"\n')
    assert ward_names(load_scenario(path)) == ["Only"]
