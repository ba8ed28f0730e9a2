"""No hidden numbers (issue 14, item 6): every number in a mechanism is a named constant.

"Every number in a mechanism other than a structural 0 or 1 is a named constant with its
meaning, range and source." Named constants with meaning, range and source are the fields of
``qisim.constants.Constants`` (made by its ``c(default, lo, hi, meaning, source)`` helper) and are
read as ``model.constants.<name>`` or ``k.<name>``; the calibration and the robustness study see
only those. Any other number in a mechanism is hidden from them.

The rule, as this test applies it with :mod:`ast` to qisim/mechanisms/*.py, qisim/lifecycle.py
and qisim/strategies.py:

* Inside functions and classes, a numeric literal (int or float, not bool; a negative number
  ``-x`` and a constant expression such as ``10**9`` or ``365 / 12`` count as one literal) is
  allowed only if it is ``0``, ``1`` or ``-1`` (also written ``0.0``, ``1.0``, ``-1.0``): a
  structural zero or one (a start, an identity, a complement ``1 - x``, an index ``[:, 0]``).
  Everything else is flagged wherever it stands: in an expression, a default argument, a
  ``range()``, an index or slice (``x[2]``), an exponent (``** 2``), a keyword (``minlength=2 *
  n``). Array shapes and calendar numbers (2 shifts, 3 tribes, 7 days, 14 days of rota, 365 days)
  are not exempt inline: they must be named.
* At module level, every numeric literal is flagged, 0 and 1 included: a module-level constant
  (``EARLY_DAYS = 180.0``, ``CYNICISM_EROSION = 0.02``, ``PUSHED_DURATION = (90, 270)``) or a
  table of numbers (``IMPOSITION = {"home_grown": 0.0, "imported": 0.5, "top_down": 1.0}``) is a
  hidden number: it has a name but no range or source, and no study varies it. The exceptions
  are the *structural* constants in ``STRUCTURAL`` below: calendar and array-shape numbers, each
  with its reason and its one allowed value. A structural constant may be defined in any scanned
  module (or imported from qisim.domain or qisim.world, which are not scanned).
* Strings (docstrings included) are not numbers; ``None`` and booleans are not numbers.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
QISIM = ROOT_DIR / "qisim"

SCANNED = sorted((QISIM / "mechanisms").glob("*.py")) + [
    QISIM / "lifecycle.py",
    QISIM / "strategies.py",
]

# Numbers a function may write inline: a structural zero or one.
STRUCTURAL_VALUES = (0, 1, -1)

# Structural module-level constants: name -> (the one value it may have, why it is structural).
# These are facts of the calendar or shapes of the arrays, not strengths of a mechanism: no
# calibration would vary them. Anything else with a number in it belongs in Constants.
STRUCTURAL: dict[str, tuple[float, str]] = {
    "DAYS_PER_WEEK": (7, "the calendar: days in a week (rota patterns, weekdays)"),
    "WEEKDAYS": (5, "the calendar: Monday to Friday, when the QI team visits wards"),
    "DAYS_PER_YEAR": (365, "the calendar: yearly rates (turnover, pushed initiatives) per day"),
    "MONTHS_PER_YEAR": (12, "the calendar: yearly rates per monthly review"),
    "ROTA_DAYS": (14, "the rota's period: 4 shifts in 7, rotating staff alternate weeks"),
    "SHIFTS_WORKED": (4, "the rota: a post works 4 shifts in 7 (array layout of the rota)"),
    "N_SHIFTS": (2, "array shape: day and night shifts per ward"),
    "N_TRIBES": (3, "array shape: nursing, medical and allied professions"),
    "MAX_SESSIONS": (
        1000,
        "numbering: a member's sessions of a day in the attendance stream's sub-counter (member x 1000 + session)",
    ),
    "SKILL_DECIMALS": (
        6,
        "precision: decimal places a raised manager skill is written back "
        "to the scenario with (serialisation, not a strength)",
    ),
}


@dataclass(frozen=True)
class Number:
    path: str
    line: int
    text: str  # the literal as written, e.g. "0.5", "-(10**9)"
    where: str  # "module constant NAME" or "in function_name"
    code: str  # the source line, stripped


def _is_number(node: ast.AST) -> bool:
    """A numeric constant expression: a number, a signed number, or arithmetic of numbers."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_number(node.left) and _is_number(node.right)
    return False


def _structural_literal(node: ast.AST) -> bool:
    """0, 1 or -1 written as one literal (``2 - 1`` is not structural)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and -node.operand.value in STRUCTURAL_VALUES
    return isinstance(node, ast.Constant) and node.value in STRUCTURAL_VALUES


def _numbers(node: ast.AST) -> list[ast.expr]:
    """The maximal numeric constant expressions under ``node`` (``-(10**9)`` once, not 10, 9)."""
    if _is_number(node):
        return [node]  # type: ignore[list-item]
    out: list[ast.expr] = []
    for child in ast.iter_child_nodes(node):
        out += _numbers(child)
    return out


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def bare_literals(source: str, path: str, structural=STRUCTURAL) -> list[Number]:
    """Every hidden number in one module's source (see the module docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[Number] = []

    def add(node: ast.expr, where: str) -> None:
        code = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
        text = ast.get_source_segment(source, node) or ast.unparse(node)
        found.append(Number(path, node.lineno, text, where, code))

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner = f"in {node.name}" if where == "" else f"{where}.{node.name}"
            for child in ast.iter_child_nodes(node):
                visit(child, inner)
            return
        if _is_number(node):
            if not _structural_literal(node):
                add(node, where)  # type: ignore[arg-type]
            return
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            visit(stmt, "")
            continue
        name = _assigned_name(stmt)
        numbers = _numbers(stmt)
        if name in structural and numbers:
            value, _ = structural[name]
            val = stmt.value  # type: ignore[union-attr]
            if _is_number(val) and eval(compile(ast.Expression(val), path, "eval")) == value:
                continue
            for node in numbers:
                add(node, f"structural constant {name} must be exactly {value!r}")
            continue
        for node in numbers:  # module level: every number, 0 and 1 included
            add(node, f"module constant {name}" if name else "module level")
    return found


def scan(paths: list[Path]) -> list[Number]:
    out: list[Number] = []
    for p in paths:
        out += bare_literals(p.read_text(), p.relative_to(ROOT_DIR).as_posix())
    return out


def report(found: list[Number]) -> str:
    by_file: dict[str, list[Number]] = defaultdict(list)
    for lit in found:
        by_file[lit.path].append(lit)
    lines = [
        f"{len(found)} hidden numbers in {len(by_file)} files: name each as a Constants field "
        "(meaning, range, source) read as model.constants.<name>, or, if it is a fact of the "
        "calendar or an array's shape, as a structural constant listed in STRUCTURAL"
    ]
    for path in sorted(by_file):
        lits = sorted(by_file[path], key=lambda x: x.line)
        lines.append(f"{path} ({len(lits)}):")
        for lit in lits:
            code = lit.code if len(lit.code) <= 90 else lit.code[:87] + "..."
            lines.append(f"  {path}:{lit.line}: {lit.text}  [{lit.where}]  {code}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The test on qisim


def test_no_bare_literals_in_mechanisms() -> None:
    found = scan(SCANNED)
    assert not found, report(found)


def test_structural_allowlist_is_structural() -> None:
    """The allowlist holds only whole numbers (calendar and shapes), each with a reason."""
    for name, (value, reason) in STRUCTURAL.items():
        assert name.isupper() and isinstance(value, int) and value > 1, name
        assert len(reason) > 20, f"{name}: say why it is structural"


# ---------------------------------------------------------------------------------------------
# The checker checked

SYNTHETIC = '''
"""A docstring that mentions 0.5 and 180 days is not a number."""

EARLY_DAYS = 180.0  # hidden: a named number no study varies
IMPOSITION = {"home_grown": 0.0, "imported": 0.5, "top_down": 1.0}  # hidden table
DAYS_PER_WEEK = 7  # structural
N_TRIBES = 4  # structural name, wrong value
NAMES = ("a", "b")  # no numbers


def fine(model, x, start=0):
    """0.5 in a docstring."""
    k = model.constants
    y = k.rate * x[:, 0] + 1.0 - x[-1]
    return y * (1 - k.floor) + model.day % DAYS_PER_WEEK


def hidden(model, x, scale=3.0):
    never = -(10**9)
    return 0.5 * x[2] ** 2 + range(0, 10)[-1] + never + x / 365
'''


def test_checker_flags_hidden_numbers_and_passes_named_ones() -> None:
    found = bare_literals(SYNTHETIC, "syn.py")
    got = sorted((lit.text, lit.where) for lit in found)
    assert got == sorted(
        [
            ("180.0", "module constant EARLY_DAYS"),
            ("0.0", "module constant IMPOSITION"),
            ("0.5", "module constant IMPOSITION"),
            ("1.0", "module constant IMPOSITION"),
            ("4", "structural constant N_TRIBES must be exactly 3"),
            ("3.0", "in hidden"),  # a default argument
            ("-(10**9)", "in hidden"),  # one constant expression
            ("0.5", "in hidden"),
            ("2", "in hidden"),  # an index
            ("2", "in hidden"),  # an exponent
            ("10", "in hidden"),  # a range bound
            ("365", "in hidden"),  # a calendar number written inline
        ]
    )
    assert "syn.py (12):" in report(found)


def test_checker_passes_a_clean_module() -> None:
    clean = SYNTHETIC.split("def hidden")[0].replace("N_TRIBES = 4", "N_TRIBES = 3")
    clean = "\n".join(
        line for line in clean.splitlines() if not line.startswith(("EARLY_DAYS", "IMPOSITION"))
    )
    assert bare_literals(clean, "clean.py") == []
