"""``qisim trust from-csv``: ward sheets (CSV and Excel), units, per-ward FFIT audits with measured
data winning, provenance, and one test per kind of bad cell."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qisim
from qisim.cli import main as cli_main
from qisim.domain import FFIT_ITEM_IDS, FFIT_ITEMS
from qisim.ffit.mapping import MAPPING
from qisim.model import QIModel
from qisim.scenario import ScenarioError
from qisim.trust_import import (
    COLUMNS,
    audit_template,
    build_scenario,
    columns_markdown,
    read_ward_audits,
    read_wards,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "trust"
HEADER = ["Ward", "Site", "Beds", "RN WTE", "HCA WTE", "Vacancy %", "Sickness %"]
GOOD = [
    ["Heron Ward", "North", "28", "24.6", "14.2", "14", "6.1"],
    ["Kestrel Ward", "North", "26", "22.8", "13.0", "19.8", "7.4"],
    ["Wren Ward", "South", "30", "27.4", "12.1", "8.4", "4.2"],
]


def write(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def ward(scenario: qisim.Scenario, name: str):
    return next(w for w in scenario.wards if w.name == name)


def per_ward_audit(path: Path, scores: dict[str, dict[str, int]]) -> Path:
    wards = list(scores)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "item", "text", *wards])
        for it in FFIT_ITEMS:
            w.writerow([it.section, it.id, it.text, *(scores[n][it.id] for n in wards)])
    return path


def flat(score: int) -> dict[str, int]:
    return {i: score for i in FFIT_ITEM_IDS}


# --- the sheet ------------------------------------------------------------------------------
def test_units_become_scenario_fields(tmp_path):
    sc, _, prov, notes = build_scenario(write(tmp_path / "w.csv", GOOD), name="Test Trust")
    heron = ward(sc, "Heron Ward")
    assert heron.establishment == 39  # 24.6 + 14.2 = 38.8 WTE -> 39 posts
    assert heron.hca_share == pytest.approx(14.2 / 38.8, abs=1e-4)
    assert heron.vacancy == 0.14 and heron.sickness == 0.061 and heron.hospital == "North"
    # columns not in the sheet take the documented defaults, and the notes say so
    assert heron.agency_fill == 0.5 and heron.turnover == 0.12 and heron.specialty == "medicine"
    assert any("Bank/agency fill % 50%" in n for n in notes)
    assert sorted(heron.measured) == ["beds", "establishment", "hca_share", "sickness", "vacancy"]
    assert {"ward": "Heron Ward", "field": "vacancy", "value": 0.14} in [
        {k: r[k] for k in ("ward", "field", "value")} for r in prov.rows
    ]


def test_example_trust_builds():
    sc, _, _, _ = build_scenario(
        EXAMPLE / "wards.csv", [EXAMPLE / "ffit_by_ward.csv"], name="Tamsford"
    )
    assert len(sc.wards) == 8 and sc.trust.name == "Tamsford"
    assert {w.vacancy for w in sc.wards} >= {0.084, 0.198}  # the sheet's range, kept
    assert ward(sc, "Heron Ward").outcome_rates.falls == 8.9
    QIModel(sc)  # the model builds from it


@given(
    pct=st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)),
    style=st.sampled_from(["{}", "{}%", "{} %", " {}% "]),
)
@settings(max_examples=60, deadline=None)
def test_percentages_in_any_spreadsheet_spelling(tmp_path_factory, pct, style):
    path = tmp_path_factory.mktemp("pct") / "w.csv"
    rows = [[*GOOD[0][:5], style.format(pct), "5%"], [*GOOD[1][:5], "12", "5"]]
    sc = build_scenario(write(path, rows))[0]
    if pct > 1 or "%" in style:
        assert ward(sc, "Heron Ward").vacancy == pytest.approx(pct / 100, abs=1e-4)


def test_a_column_of_fractions_reads_as_fractions(tmp_path):
    rows = [[*r[:5], str(float(r[5]) / 100), str(float(r[6]) / 100)] for r in GOOD]
    sc, _, _, notes = build_scenario(write(tmp_path / "w.csv", rows))
    assert ward(sc, "Kestrel Ward").vacancy == 0.198
    assert any("'Vacancy %' holds fractions" in n for n in notes)


def test_excel_sheet_with_percent_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "notes"
    ws = book.create_sheet("wards")
    ws.append(HEADER)
    for r in GOOD:
        ws.append([r[0], r[1], int(r[2]), float(r[3]), float(r[4]), float(r[5]) / 100, float(r[6])])
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].number_format = "0.0%"  # Excel shows 14.0%, stores 0.14
    book.save(tmp_path / "w.xlsx")
    from_xlsx = build_scenario(tmp_path / "w.xlsx", sheet="wards")[0]
    from_csv = build_scenario(write(tmp_path / "w.csv", GOOD))[0]
    assert from_xlsx.wards == from_csv.wards
    with pytest.raises(ScenarioError, match=r"no sheet called 'ward' \(did you mean 'wards'\?\)"):
        build_scenario(tmp_path / "w.xlsx", sheet="ward")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_is_a_valid_sheet(tmp_path, suffix, capsys):
    path = tmp_path / f"wards{suffix}"
    assert cli_main(["trust", "from-csv", "--template", str(path)]) == 0
    sc = build_scenario(path)[0]
    assert [w.name for w in sc.wards] == ["Heron Ward"]
    assert ward(sc, "Heron Ward").outcome_rates.falls == 6.6


def test_column_table_in_docs_matches_the_code():
    assert columns_markdown() in (ROOT / "docs" / "plan.md").read_text()


# --- bad cells: one paragraph naming the ward, the column, the value and what is allowed -------
def _with(col: str, value: str, row: int = 1) -> list[list[str]]:
    rows = [list(r) for r in GOOD]
    rows[row][HEADER.index(col)] = value
    return rows


BAD = {
    "not a number": (_with("Vacancy %", "14x"), ["row 'Kestrel Ward' (line 3)", "'Vacancy %'", "'14x' is not a number", "percentage from 0 to 100"]),
    "percentage over 100": (_with("Sickness %", "140%"), ["row 'Kestrel Ward'", "'Sickness %'", "'140%' is outside 0-100%"]),
    "blank required cell": (_with("Beds", ""), ["row 'Kestrel Ward'", "column 'Beds': blank", "whole number from 4 to 80"]),
    "beds not whole": (_with("Beds", "24.5"), ["row 'Kestrel Ward'", "'Beds': '24.5' is not allowed", "whole number"]),
    "beds out of range": (_with("Beds", "2"), ["'Beds': '2' is not allowed: a whole number from 4 to 80"]),
    "WTE negative": (_with("RN WTE", "-3"), ["'RN WTE': '-3' is outside 0-500 WTE"]),
    "too few posts": (GOOD[:1] + [[*GOOD[1][:3], "1.0", "1.2", "10", "5"]], ["row 'Kestrel Ward'", "'RN WTE' + 'HCA WTE': 1 + 1.2 = 2.2 WTE", "4 to 200"]),
    "duplicate ward": (GOOD + [GOOD[0]], ["row 'Heron Ward' (line 5)", "also on line 2"]),
    "blank ward name": (_with("Ward", ""), ["line 3 (no ward name)", "every row needs its ward's name"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_cell(tmp_path, case, capsys):
    rows, expected = BAD[case]
    path = write(tmp_path / "w.csv", rows)
    with pytest.raises(ScenarioError):
        read_wards(path)
    assert cli_main(["trust", "from-csv", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: 1 bad cell(s): ") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, (text, err)
    assert not (tmp_path / "o").exists()


def test_night_calls_per_night_become_a_rate_per_bed_day(tmp_path):
    header = ["Night emergency calls per night", *HEADER]  # before Beds: order does not matter
    rows = [["0.6", *GOOD[0]], ["", *GOOD[1]]]
    sc = build_scenario(write(tmp_path / "w.csv", rows, header), outcome="night_emergency_calls")[0]
    heron = ward(sc, "Heron Ward")
    assert heron.outcome_rates.night_emergency_calls == pytest.approx(0.6 * 1000 / 28, abs=1e-3)
    model = QIModel(sc)  # 0.6 calls a night on Heron's 28 beds; Kestrel the default rate
    assert model.wards.outcome_base_rate[0] * 28 == pytest.approx(0.6, abs=1e-4)
    assert ward(sc, "Kestrel Ward").outcome_rates.night_emergency_calls is None


def test_bad_rate_cell(tmp_path):
    header = [*HEADER, "Falls per 1,000 bed-days"]
    rows = [[*GOOD[0], "-1"], [*GOOD[1], "7"]]
    with pytest.raises(ScenarioError, match=r"row 'Heron Ward'.*'Falls per 1,000 bed-days': '-1'"):
        read_wards(write(tmp_path / "w.csv", rows, header))


def test_missing_required_column_names_the_near_miss(tmp_path):
    header = ["Ward", "Beds", "RN  WTEs", "HCA WTE"]
    path = write(tmp_path / "w.csv", [["A", "20", "10", "5"]], header)
    with pytest.raises(ScenarioError) as exc:
        read_wards(path)
    msg = str(exc.value)
    assert "missing column(s) 'RN WTE'" in msg and "'RN  WTEs' (did you mean 'RN WTE'?)" in msg
    assert "--template" in msg


def test_bad_cells_from_the_shell(tmp_path):
    path = write(tmp_path / "w.csv", _with("Vacancy %", "lots"))
    r = subprocess.run(
        [sys.executable, "-m", "qisim", "trust", "from-csv", str(path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "row 'Kestrel Ward'" in r.stderr and "'lots' is not a number" in r.stderr


# --- per-ward audits ------------------------------------------------------------------------------
def test_measured_ward_values_survive_an_attached_audit(tmp_path):
    """Issue 12: an audit whose staffing items say 'terrible' (vacancy 40%, sickness 12%, agency
    fill 0) must not overwrite what the ward sheet measured; what the sheet did not measure
    (the manager's skills, here) is set from each ward's own audit."""
    sheet = write(tmp_path / "w.csv", GOOD)
    scores = {"Heron Ward": flat(0), "Kestrel Ward": flat(5), "Wren Ward": flat(3)}
    audit = per_ward_audit(tmp_path / "ffit.csv", scores)
    sc, _, prov, _ = build_scenario(sheet, [audit])
    for row in GOOD:
        w = ward(sc, row[0])
        assert w.vacancy == pytest.approx(float(row[5]) / 100)
        assert w.sickness == pytest.approx(float(row[6]) / 100)
    # agency fill was not in the sheet: the audit sets it, ward by ward
    assert ward(sc, "Heron Ward").agency_fill == 0.0 and ward(sc, "Kestrel Ward").agency_fill == 1
    assert ward(sc, "Heron Ward").manager.enthusiasm == 0.0
    assert ward(sc, "Kestrel Ward").manager.enthusiasm == 1.0
    assert ward(sc, "Wren Ward").manager.enthusiasm == 0.6
    # the trust-level items: the mean of the wards' scores (0, 5, 3 -> 2.67 -> 3)
    assert sc.trust.culture.confronting_failure == 0.6
    kept = [r for r in prov.rows if r["source"] == "ward sheet (measured)"]
    assert {(r["ward"], r["field"]) for r in kept} == {
        (w, f) for w in scores for f in ("vacancy", "sickness")
    }
    assert all("would set" in r["note"] for r in kept)


def test_every_audited_value_is_in_the_provenance(tmp_path):
    sheet = write(tmp_path / "w.csv", GOOD)
    audit = per_ward_audit(tmp_path / "ffit.csv", {"Heron Ward": flat(2), "Wren Ward": flat(4)})
    _, _, prov, _ = build_scenario(sheet, [audit])
    ward_items = {
        i for i, m in MAPPING.items() if any(p.startswith("wards.*.") for p in m.to_values(3))
    }
    for name in ("Heron Ward", "Wren Ward"):
        mine = {r["field"] for r in prov.rows if r["ward"] == name and r["source"] != "Site"}
        for item in ward_items:
            for path in MAPPING[item].to_values(3):
                assert path.removeprefix("wards.*.") in mine, (name, item)
    trust = {r["field"] for r in prov.rows if r["ward"] == "(trust)"}
    assert {"ffit.confidence_05", "ffit.learning_04"} <= trust  # not modelled, still listed
    assert "trust.culture.confronting_failure" in trust
    assert any(r["ward"] == "Kestrel Ward" and r["source"] == "no audit" for r in prov.rows)


def test_saved_scenario_loads_back_the_same(tmp_path, capsys):
    out = tmp_path / "mine"
    code = cli_main(["trust", "from-csv", str(EXAMPLE / "wards.csv"), "--audit",
                     str(EXAMPLE / "ffit_by_ward.csv"), "--out", str(out), "--name", "Tamsford",
                     "--start-date", "2027-04-01"])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "kept as measured in the ward sheet" in text and "Kestrel Ward" in text
    built = build_scenario(EXAMPLE / "wards.csv", [EXAMPLE / "ffit_by_ward.csv"], "Tamsford")[0]
    loaded = qisim.load_scenario(out / "trust.toml")
    assert loaded.wards == built.wards and loaded.trust == built.trust
    assert loaded.initiative == built.initiative and loaded.qi_team == built.qi_team
    assert (out / "provenance.csv").stat().st_size > 0
    assert "start_date = 2027-04-01" in (out / "plan.toml").read_text()


def test_one_audit_file_per_ward(tmp_path):
    from qisim.ffit import template_toml

    toml = template_toml().replace('unit = ""', 'unit = "wren ward"')
    for item in FFIT_ITEM_IDS:
        toml = toml.replace(f'{item} = ""', f"{item} = 4", 1)
    (tmp_path / "any_name.toml").write_text(toml)
    with open(tmp_path / "Heron_Ward.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "item", "score"])
        w.writerows([[it.section, it.id, 1] for it in FFIT_ITEMS])
    audits = read_ward_audits(
        [tmp_path / "any_name.toml", tmp_path / "Heron_Ward.csv"], [r[0] for r in GOOD]
    )
    assert set(audits) == {"Wren Ward", "Heron Ward"}
    assert audits["Wren Ward"][0]["staff_01"] == 4 and audits["Heron Ward"][0]["staff_01"] == 1


def test_audit_column_for_an_unknown_ward(tmp_path):
    audit = per_ward_audit(tmp_path / "ffit.csv", {"Heron": flat(3)})
    with pytest.raises(
        ScenarioError, match=r"column 'Heron' is not a ward .*did you mean 'Heron Ward'"
    ):
        build_scenario(write(tmp_path / "w.csv", GOOD), [audit])


def test_bad_audit_score_names_the_ward_column(tmp_path):
    scores = {"Heron Ward": flat(3)}
    scores["Heron Ward"]["managers_02"] = 7
    audit = per_ward_audit(tmp_path / "ffit.csv", scores)
    with pytest.raises(
        ScenarioError, match=r"column 'Heron Ward': invalid FFIT audit.*'managers_02' = '7' is not"
    ):
        build_scenario(write(tmp_path / "w.csv", GOOD), [audit])


def test_audit_template_has_a_column_per_ward(tmp_path, capsys):
    sheet = write(tmp_path / "w.csv", GOOD)
    out = tmp_path / "ffit.csv"
    assert cli_main(["trust", "from-csv", str(sheet), "--audit-template", str(out)]) == 0
    assert out.read_text() == audit_template([r[0] for r in GOOD])
    header = out.read_text().splitlines()[0]
    assert header == "section,item,text,Heron Ward,Kestrel Ward,Wren Ward"
    assert len(out.read_text().splitlines()) == 1 + len(FFIT_ITEMS)


def test_ffit_file_keeps_a_wards_measured_fields(tmp_path):
    """The scenario-file route too: `ffit_file` sets every ward's attributes except the fields a
    ward lists as measured."""
    with open(tmp_path / "audit.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "item", "score"])
        w.writerows([[it.section, it.id, 0] for it in FFIT_ITEMS])
    (tmp_path / "sc.toml").write_text(
        'ffit_file = "audit.csv"\n'
        '[[wards]]\nname = "A"\nvacancy = 0.08\nmeasured = ["vacancy"]\n'
        '[[wards]]\nname = "B"\nvacancy = 0.08\n'
    )
    sc = qisim.load_scenario(tmp_path / "sc.toml")
    assert ward(sc, "A").vacancy == 0.08 and ward(sc, "B").vacancy == 0.4
    assert ward(sc, "A").sickness == ward(sc, "B").sickness == 0.12


def test_columns_are_unique():
    headers = [c.header for c in COLUMNS]
    assert len(headers) == len(set(headers))


names = (
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    wards=st.lists(
        st.tuples(names, st.integers(4, 80), st.floats(2, 60), st.floats(2, 40), st.floats(0, 100)),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    )
)
@settings(max_examples=40, deadline=None)
def test_any_sheet_round_trips_through_the_scenario_file(tmp_path_factory, wards):
    """Whatever the ward names (quotes, backslashes, accents, '#'), the written scenario file
    loads back to the same wards."""
    from qisim.trust_import import scenario_toml

    rows = [
        [n, "", str(b), f"{rn:.1f}", f"{hca:.1f}", f"{v:.1f}%", "5%"] for n, b, rn, hca, v in wards
    ]
    d = tmp_path_factory.mktemp("rt")
    sc, data, _, _ = build_scenario(write(d / "w.csv", rows))
    (d / "t.toml").write_text(scenario_toml(data, ["a test"]), encoding="utf-8")
    assert qisim.load_scenario(d / "t.toml").wards == sc.wards
