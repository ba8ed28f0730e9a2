"""Lessons as files (``*.lesson.toml``) and ``qisim app``'s start: lessons a teacher writes
without Python, one-paragraph errors for bad ones, --host, and a port already in use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara", reason="the app extra (solara) is not installed")

from qisim.app import presets, server  # noqa: E402
from qisim.app.presets import (  # noqa: E402
    ALL_CONTROLS,
    CONTROLS,
    SHIPPED,
    check_lesson,
    load_lessons,
    read_lesson,
)
from qisim.cli import main as cli  # noqa: E402
from qisim.scenario import (  # noqa: E402
    ScenarioError,
    close_names,
    did_you_mean,
    load_scenario,
    ward_names,
)

ROOT = Path(__file__).resolve().parent.parent
UPSWORTH = ROOT / "scenarios" / "lessons" / "upsworth_positive_deviant.toml"
SHIPPED_KEYS = [
    "upsworth_positive_deviant",
    "premton_handover_at_night",
    "premton_nurse_led_discharge",
    "middleswick_enhanced_care",
]

LESSON = f'''title = "Medical 1 gets a leader"
scenario = "{UPSWORTH}"
focus = "Medical 1"
controls = ["enthusiasm", "culture"]
story = """
Medical 1 is an ordinary ward at Upsworth
with a new manager."""
watch = "Watch Medical 1's tile."
try = "Lower her enthusiasm."
'''


def write_lesson(folder: Path, name: str = "medical_1", text: str = LESSON) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lesson.toml"
    path.write_text(text)
    return path


def test_the_shipped_lessons_are_files_in_their_order():
    lessons = load_lessons()
    assert [ls.key for ls in lessons] == SHIPPED_KEYS
    assert presets.DEFAULT_LESSON == SHIPPED_KEYS[0]
    for lesson in lessons:
        assert Path(lesson.source).parent == SHIPPED
        check_lesson(lesson)  # its scenario loads and has every focus ward
        assert lesson.controls and set(lesson.controls) <= set(CONTROLS)
        assert "\n" not in lesson.story and "  " not in lesson.story


def test_a_teachers_lesson_comes_first_with_its_texts_as_one_paragraph(tmp_path):
    write_lesson(tmp_path / "mine")
    lessons = load_lessons([tmp_path / "mine"])
    assert [ls.key for ls in lessons] == ["medical_1", *SHIPPED_KEYS]
    mine = lessons[0]
    assert mine.story == "Medical 1 is an ordinary ward at Upsworth with a new manager."
    assert mine.focus == ("Medical 1",)
    assert mine.controls == ("culture", "enthusiasm")  # in the page's order
    assert mine.path == UPSWORTH and mine.try_ == "Lower her enthusiasm."
    check_lesson(mine)


def test_a_lesson_without_controls_shows_them_all_and_may_sit_beside_its_scenario(tmp_path):
    (tmp_path / "s.toml").write_text(f'base = "{UPSWORTH}"\n[wards."Medical 1"]\nvacancy = 0.1\n')
    text = LESSON.replace(f'scenario = "{UPSWORTH}"', 'scenario = "s.toml"')
    text = "\n".join(line for line in text.splitlines() if not line.startswith("controls"))
    lesson = read_lesson(write_lesson(tmp_path, text=text))
    assert lesson.controls == ALL_CONTROLS
    assert lesson.path == tmp_path / "s.toml"
    check_lesson(lesson)


def test_a_teachers_copy_replaces_the_shipped_lesson(tmp_path):
    text = (SHIPPED / "premton_handover_at_night.lesson.toml").read_text()
    text = text.replace("../premton", f"{ROOT}/scenarios/premton")
    text = text.replace("Why Handover at night fizzled out", "Handover at night, my way")
    write_lesson(tmp_path, "premton_handover_at_night", text)
    lessons = load_lessons([tmp_path])
    assert [ls.key for ls in lessons].count("premton_handover_at_night") == 1
    assert lessons[0].title == "Handover at night, my way"


def test_the_page_process_reads_the_teachers_lessons_from_the_environment(tmp_path):
    write_lesson(tmp_path)
    code = (
        "from qisim.app.model import lesson_keys, lesson_scenario\n"
        "from qisim.app.presets import DEFAULT_LESSON\n"
        "print(DEFAULT_LESSON, lesson_keys()[:2], lesson_scenario(DEFAULT_LESSON)[0].name)\n"
    )
    env = {**os.environ, presets.LESSONS_ENV: str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [
        "medical_1",
        "['medical_1',",
        "'upsworth_positive_deviant']",
        "upsworth_positive_deviant",
    ]


@pytest.mark.parametrize(
    "change, expect",
    [
        (("try = ", "tryy = "), ["'tryy' is not a known field", "did you mean 'try'", "story"]),
        (('"culture"]', '"cultre"]'), ["'controls'", "no control 'cultre'", "did you mean 'culture'", "messenger"]),
        (('story = """', 'story_ = """'), ["'story' is required but missing (what the report saw)"]),
        (('title = "', 'titel = "'), ["'title' is required but missing (the name shown in the lesson list)"]),
        (('watch = "Watch', 'watch = 3 # "'), ["'watch' = 3 is not allowed", "string"]),
        (('title = "Medical 1 gets a leader"', 'title = ""'), ["'title' = ''", "at least 1 character"]),
        (("focus = ", "focus = 0.5 # "), ["'focus'"]),
    ],
)  # fmt: skip
def test_bad_lesson_files_are_explained_in_one_paragraph(tmp_path, change, expect):
    path = write_lesson(tmp_path, text=LESSON.replace(*change, 1))
    with pytest.raises(ScenarioError) as err:
        read_lesson(path)
    text = str(err.value)
    assert text.startswith(f"{path}: invalid lesson.") and "\n" not in text
    for part in expect:
        assert part in text


def test_a_focus_ward_or_scenario_that_is_not_there_is_named(tmp_path):
    wards = ward_names(load_scenario(UPSWORTH))
    lesson = read_lesson(write_lesson(tmp_path, text=LESSON.replace('"Medical 1"', '"Medcal 1"')))
    with pytest.raises(ScenarioError) as err:
        check_lesson(lesson)
    assert "'focus' = 'Medcal 1'" in str(err.value) and "did you mean 'Medical 1'" in str(err.value)
    assert all(repr(name) in str(err.value) for name in wards)
    lesson = read_lesson(write_lesson(tmp_path, text=LESSON.replace(str(UPSWORTH), "gone.toml")))
    with pytest.raises(ScenarioError, match="'scenario' = .*gone.toml.*no such file"):
        check_lesson(lesson)


def test_focus_ward_suggestions_come_best_match_first(tmp_path):
    lesson = read_lesson(write_lesson(tmp_path, text=LESSON.replace('"Medical 1"', '"Medical 9"')))
    with pytest.raises(
        ScenarioError, match="did you mean 'Medical 1' or 'Medical 2' or 'Medical 3'"
    ):
        check_lesson(lesson)  # as close as each other: in the wards' order, not last first
    wards = ["Medical 1", "Medical 2", "Medical 10", "Medical 12", "Surgical 1"]
    assert close_names("Medical 12", wards) == ["Medical 12", "Medical 1", "Medical 2"]
    assert close_names("Medical 11", wards) == ["Medical 1", "Medical 10", "Medical 12"]
    assert did_you_mean("medical", wards).startswith(" (did you mean 'Medical 1' or 'Medical 2' or")
    assert "'Medical 10' or 'Medical 1'" in did_you_mean("Medcal 10", wards)


def test_lesson_names_titles_and_folders_are_checked(tmp_path):
    with pytest.raises(ScenarioError, match=r"ends in \.lesson\.toml"):
        read_lesson(write_lesson(tmp_path, "x").rename(tmp_path / "x.toml"))
    with pytest.raises(ScenarioError, match="no lesson files"):
        load_lessons([tmp_path / "empty"]) if (tmp_path / "empty").mkdir() is None else None
    write_lesson(tmp_path / "a")
    write_lesson(tmp_path / "b")
    with pytest.raises(ScenarioError, match="another lesson is called 'medical_1'"):
        load_lessons([tmp_path / "a", tmp_path / "b"])
    title = 'title = "A positive deviant at Upsworth"'
    write_lesson(tmp_path / "c", text=LESSON.replace('title = "Medical 1 gets a leader"', title))
    with pytest.raises(ScenarioError) as err:
        load_lessons([tmp_path / "c"])
    shipped = presets.SHIPPED / "upsworth_positive_deviant.lesson.toml"
    assert str(err.value).startswith(f"{tmp_path / 'c' / 'medical_1.lesson.toml'}: 'title' = ")
    assert f"also the title of the shipped lesson {shipped};" in str(err.value)
    with pytest.raises(ScenarioError, match="the app's own"):
        read_lesson(write_lesson(tmp_path, "custom"))


@pytest.fixture
def app_env(monkeypatch):
    """`qisim app` sets environment variables for solara; put them back after the test."""
    for key in (
        "SOLARA_APP",
        presets.LESSONS_ENV,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE",
        "SOLARA_THEME_TITLE",
        "SOLARA_THEME_SHOW_BANNER",
    ):
        monkeypatch.setenv(key, os.environ.get(key, ""))


def test_qisim_app_refuses_a_bad_lesson_before_serving(tmp_path, capsys, app_env):
    bad = write_lesson(tmp_path, text=LESSON.replace('"enthusiasm"', '"enthusiasmm"'))
    for argv in (["app", str(bad)], ["app", str(tmp_path)], ["app", "--lessons", str(tmp_path)]):
        assert cli([*argv, "--port", "0"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(bad) in err and "'enthusiasmm'" in err
    bad.write_text(LESSON.replace('focus = "Medical 1"', 'focus = "Medical 9"'))
    assert cli(["app", "--lessons", str(tmp_path), "--port", "0"]) == 2
    assert "'focus' = 'Medical 9'" in capsys.readouterr().err


def test_a_port_in_use_is_one_sentence_before_any_address(capsys, app_env):
    with socket.socket() as taken:
        taken.bind((server.HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli(["app", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "open http" not in out
    assert err.startswith(f"error: port {port} on 127.0.0.1 is already in use") and "--port" in err
    assert err.count("\n") == 1


def test_addresses_to_listen_on():
    assert server.is_local("127.0.0.1") and server.is_local("localhost")
    assert not server.is_local("0.0.0.0")
    with pytest.raises(ScenarioError, match="not an address of this machine"):
        server.listen("192.0.2.123", 0)  # TEST-NET-1: never this machine's
    with pytest.raises(ScenarioError, match="not a port; give one from 1024 to 65535"):
        server.listen(server.HOST, 70000)


@pytest.mark.parametrize("port", [1, 80, 1023, -1])
def test_a_port_outside_1024_to_65535_is_refused_as_the_message_says(port, capsys, app_env):
    with pytest.raises(ScenarioError, match=f"--port {port}: .*from 1024 to 65535, or 0"):
        server.listen(server.HOST, port)  # refused even where it could bind (run as root)
    assert cli(["app", "--port", str(port)]) == 2
    assert "open http" not in capsys.readouterr().out
    server.listen(server.HOST, 0).close()  # 0 still picks a free port
    warning = server.reach_warning("0.0.0.0", "http://10.0.0.5:8765/")
    assert "anyone" in warning and "no login" in warning and "http://10.0.0.5:8765/" in warning


@pytest.mark.slow
def test_qisim_app_on_a_rooms_network_warns_and_keeps_the_terminal_clean(tmp_path):
    """`qisim app --host 0.0.0.0` names its address and who can reach it; the first page load
    no longer prints solara's cookie warning."""
    cmd = [sys.executable, "-m", "qisim", "app", "--host", "0.0.0.0", "--port", "0"]
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(cmd, stdout=o, stderr=e)
    try:
        deadline = time.monotonic() + 60
        while "open http" not in out.read_text():
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "qisim app did not announce its address"
            time.sleep(0.2)
        line = out.read_text().strip()
        port = int(line.split("open http://")[1].split("/")[0].rsplit(":", 1)[1])
        while True:  # the port is bound before the address is printed; the page follows
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read()
                break
            except OSError:
                assert time.monotonic() < deadline, err.read_text()
                time.sleep(0.2)
        assert b"solara" in page.lower()
        time.sleep(0.5)
        text = err.read_text()
        assert "--host 0.0.0.0" in text and "no login" in text
        assert "samesite" not in text.lower() and "Traceback" not in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
