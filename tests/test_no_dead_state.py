"""No dead state (issue 14, item 6): every state variable and every scenario field is read.

A state variable or scenario field that no mechanism reads is a number the model carries, shows
and lets a user edit, and that changes nothing. These tests find them with :mod:`ast` (no run of
the model), and fail listing each dead name with where it is defined.

What is checked
---------------
*State variables* (``test_every_state_variable_is_read``): the fields of ``StaffArrays`` and
``WardArrays`` (qisim/world.py) and of ``CompetingInitiatives`` (qisim/model.py), and any
attribute the code adds to a staff or wards object outside its dataclass (e.g.
``self.wards.night_practice = ...``). *Model-level state* (``test_every_model_attribute_is_read``):
the attributes ``QIModel`` and ``Lifecycle`` set on ``self``. *Constants*
(``test_every_constant_is_read``): the fields of ``qisim.constants.Constants``.

Their readers are the *mechanisms*: qisim/mechanisms/*.py, qisim/lifecycle.py,
qisim/strategies.py, qisim/model.py (the step; not ``QIModel.staff_stages``, which serves
outputs), world.py's ``draw_qi_skill`` and ``build_wards``, and the methods of ``StaffArrays`` and
``WardArrays`` (``build_rota`` derives the rota the roster reads; properties such as ``n``).
The recorder, agents.py (read-only views), world.py's builders, results, plots, the app and the
tools are not readers.

*Scenario fields* (``test_every_scenario_field_is_read``): every field of every pydantic model
reachable from ``Scenario`` (walking ``model_fields`` through the annotations). Their readers are
the core: qisim/model.py, world.py, lifecycle.py, strategies.py, mechanisms/*.py, and in
qisim/scenario.py only the functions that consume a field while loading (``LOADING``: the winter
peak becomes events, the outcome rates become each ward's base rate, ``measured`` guards fields
from an FFIT audit). A field copied into a state array counts as read here; that the array is
read in turn is the first test's business.

What counts as a read
---------------------
Reads are followed as a data flow, statement by statement, inside each function:

1. An attribute access ``x.name`` in Load context, where ``x`` is known to be a staff, wards,
   competing, model or lifecycle object, a ``Constants`` or a scenario model, is a *read
   occurrence* of that field. Types come from annotations (``model: QIModel``,
   ``scenario: Scenario``), ``self``, the attributes of typed objects (``model.wards``,
   ``scenario.initiative.rollout``), assignments and tuple unpacking (``s, w = model.staff,
   model.wards``), loops and comprehensions (``for spec in scenario.wards``, ``enumerate``,
   ``zip``) and the return types of the builders (``build_wards`` -> wards).
2. The *base of a store* is not a read: in ``s.morale[on] = x`` and ``w.fit = y`` the arrays are
   written. The index of a store is a read (``s.understanding[s.target] = 1`` reads ``target``).
3. A read occurrence *flows into* what its statement writes: the fields and local variables it
   assigns. An augmented assignment (``s.morale[on] += x``) reads and writes the same field.
4. A read occurrence that flows only into *the same field* does not count: ``s.cynicism =
   np.minimum(s.cynicism + g, 1)`` updates cynicism from itself. A field that is only ever
   updated from itself, read nowhere else, is dead.
5. Reads flow on through local variables: ``o = s.ownership[i]`` then ``s.ownership[i] = o + d``
   is still an update of ownership from itself.
6. A read counts (the field is *live*) when its value can reach a *sink*: a ``return`` (a value
   returned counts as used), a call made for its effect (``lc.halt(model)``, ``rng.poisson(x)``),
   a ``raise`` or ``assert``, a write to anything that is not tracked (an agent, a module-level
   object), or another *live* field. Liveness is the least fixed point: a field read only to
   compute a dead field is dead too (a chain ``a -> b`` with ``b`` dead leaves ``a`` dead).
7. A condition decides what it guards: a read in an ``if``/``while`` test or a ``for`` iterable
   flows into what the guarded statements write, and reaches the sink if they do anything else
   (a call, a return, a break). ``if lc.first_launch_day is None: lc.first_launch_day = day``
   reads the field only to write it. A call on a tracked field that changes it
   (``model.audits.append(x)``, ``lc.history.append(x)``) writes that field.
8. Reads through a name in a string: ``getattr(x, NAME)`` where NAME is a string constant, a
   loop variable over a constant expression of the module (``for name in TEAM_SKILLS``,
   ``("micro_culture", *(f"manager_{n}" for n in MANAGER_SKILLS))``, evaluated in the module's
   namespace), or a value of a ``Literal`` scenario field (``getattr(rates, outcome)``) is a read
   of each named field. ``setattr(x, name, getattr(y, name))`` copies a field onto itself and is
   a write, not a read. A ``getattr`` on a tracked object whose name cannot be resolved must be
   listed in ``DYNAMIC_READS`` with a function that returns the names; an unlisted one fails the
   test (and so does a stale entry). In the loading functions of qisim/scenario.py, which work
   on the raw dict of the file, a string key (``ward.get("measured")``, ``data["ffit"]``) is a
   read of every scenario field so named.
9. An attribute read on an object whose type the test cannot tell is no read of any field
   (numpy's ``live.size`` is not ``QITeam.size``). The failure message lists such untyped reads
   of a dead field's name, so a read the inference missed shows; the cure is an annotation.

Heuristics that over-count reads (they can hide a dead field, never invent one): a local
variable bound in several places merges its flows (e.g. one loop variable over four manager
skills); the arguments of a call flow into its result; a call's mutations of its arguments are
not followed (``np.maximum.at(best, ...)`` counts as an effect).

Allowlists, each entry with its reason, kept small and checked to be needed
(``test_allowlists_are_needed`` fails on an entry that does not exist or is read after all):
``LABELS`` (ward arrays that identify a ward for outputs), ``MODEL_OUTPUTS`` (model-level
attributes that are the run's outputs) and ``DOCUMENTATION`` (scenario fields that document).
"""

from __future__ import annotations

import ast
import importlib
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest
from pydantic import BaseModel

ROOT_DIR = Path(__file__).resolve().parent.parent
QISIM = ROOT_DIR / "qisim"

# ---------------------------------------------------------------------------------------------
# The analyser

ROOT = ("root",)  # the sink: a decision, a return, an effect, an output
Node = tuple
TypeSet = frozenset

MUTATORS = {"append", "extend", "insert", "add", "update", "remove", "pop", "clear", "sort"}
SAFE_EVAL = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Starred,
    ast.GeneratorExp,
    ast.ListComp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.BinOp,
    ast.Add,
    ast.Load,
    ast.Store,
)


def owner_type(owner: str) -> tuple:
    return ("o", owner)


@dataclass
class Schema:
    """What the analyser knows about types.

    owners: owner -> attribute -> types of its value (to follow ``model.wards.fit``).
    tracked: owner -> field names that are graph nodes (state, scenario fields, constants).
    open_owners: owners whose stored attributes become tracked fields (``self.x = ...`` on a
        model, lifecycle, staff or wards object).
    properties: owner -> property -> fields it reads.
    names: a class or annotation name -> types (``QIModel`` -> model, ``Scenario``).
    returns: a function's name -> types of what it returns.
    self_types: a class name -> the type of ``self`` in its methods.
    literals: (owner, field) -> the values of a ``Literal`` field.
    """

    owners: dict[str, dict[str, set]] = field(default_factory=lambda: defaultdict(dict))
    tracked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    open_owners: set[str] = field(default_factory=set)
    properties: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))
    names: dict[str, TypeSet] = field(default_factory=dict)
    returns: dict[str, TypeSet] = field(default_factory=dict)
    self_types: dict[str, TypeSet] = field(default_factory=dict)
    literals: dict[tuple[str, str], tuple] = field(default_factory=dict)
    defined: dict[tuple[str, str], str] = field(default_factory=dict)  # field -> "file:line"


@dataclass
class Source:
    """One module to read: its text, label (for messages), namespace (to evaluate constant
    name lists) and which functions count (qualified names; ``include`` None: all)."""

    label: str
    text: str
    namespace: dict
    include: set[str] | None = None
    exclude: set[str] = field(default_factory=set)
    raw_keys: bool = False  # string keys read from raw dicts name scenario fields (loading)

    def counts(self, qualname: str) -> bool:
        if qualname in self.exclude:
            return False
        if self.include is None:
            return True
        return any(
            qualname == inc or (inc.endswith(".*") and qualname.startswith(inc[:-1]))
            for inc in self.include
        )


class Scope:
    def __init__(self, parent: Scope | None, qualname: str, self_type: TypeSet = frozenset()):
        self.parent, self.qualname = parent, qualname
        self.types: dict[str, set] = defaultdict(set)
        self.locals: set[str] = set()
        self.iters: dict[str, list] = defaultdict(list)  # loop name -> [iterable expr or None]
        self.self_type = self_type

    def owner_of(self, name: str) -> Scope | None:
        scope = self
        while scope is not None:
            if name in scope.locals:
                return scope
            scope = scope.parent
        return None


@dataclass
class Occurrence:
    node: Node
    where: str
    sinks: set = field(default_factory=set)


class Analyser:
    """Builds the flow graph of reads and writes over some sources (see the module docstring)."""

    def __init__(self, schema: Schema, dynamic: dict[str, Callable[[], Iterable[str]]] | None):
        self.schema = schema
        self.dynamic = dynamic or {}
        self.used_dynamic: set[str] = set()
        self.edges: dict[Node, set[Node]] = defaultdict(set)
        self.occurrences: list[Occurrence] = []
        self.unknown_reads: list[tuple[str, str]] = []  # (attribute, where)
        self.unresolved: list[str] = []  # dynamic getattr sites not resolved
        self.string_keys: list[tuple[str, str]] = []  # (key, where)
        self.write_sites: dict[Node, list[str]] = defaultdict(list)
        self.recording = False
        self._pending: list[Occurrence] = []
        self._loops: list[dict[str, ast.expr | None]] = []  # loop names in force, innermost last
        self._silent = 0  # > 0: reads are followed but not recorded as occurrences

    # --- driving ------------------------------------------------------------------------------
    def run(self, sources: list[Source]) -> None:
        trees = [(src, ast.parse(src.text)) for src in sources]
        for _src, tree in trees:  # properties first: they are read as fields
            self._collect_properties(tree)
        for recording in (False, False, True):  # two passes infer types, the third records
            self.recording = recording
            self.edges.clear()
            self.occurrences.clear()
            self.unknown_reads.clear()
            self.unresolved.clear()
            self.string_keys.clear()
            self.write_sites.clear()
            self.used_dynamic.clear()
            for src, tree in trees:
                self.src = src
                self._block(tree.body, Scope(None, ""), "", module_level=True)

    def reach(self, start: Iterable[Node]) -> set[Node]:
        """The fields (and the root) a value reaches through local variables."""
        seen, todo, out = set(), list(start), set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n[0] == "l":
                todo.extend(self.edges.get(n, ()))
            else:
                out.add(n)
        return out

    def live(self, extra_roots: Iterable[Node] = ()) -> set[Node]:
        """Nodes whose value reaches the root (or one of ``extra_roots``)."""
        back: dict[Node, set[Node]] = defaultdict(set)
        for a, bs in self.edges.items():
            for b in bs:
                back[b].add(a)
        seen = {ROOT, *extra_roots}
        todo = list(seen)
        while todo:
            n = todo.pop()
            for m in back[n]:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    # --- properties ---------------------------------------------------------------------------
    def _collect_properties(self, tree: ast.Module) -> None:
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef) or cls.name not in self.schema.self_types:
                continue
            for owner in self._owners(self.schema.self_types[cls.name]):
                for fn in cls.body:
                    if isinstance(fn, ast.FunctionDef) and any(
                        isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list
                    ):
                        self.schema.properties[owner][fn.name] = {
                            n.attr
                            for n in ast.walk(fn)
                            if isinstance(n, ast.Attribute)
                            and isinstance(n.value, ast.Name)
                            and n.value.id == "self"
                        }

    # --- statements ---------------------------------------------------------------------------
    def _block(self, body: list[ast.stmt], scope: Scope, qual: str, module_level=False) -> None:
        counts = self.src.counts("<module>") if module_level else self.src.counts(qual)
        if counts:
            for _ in range(2):
                for stmt in body:
                    self._bind_stmt(stmt, scope)
        for stmt in body:
            self._stmt(stmt, scope, qual, counts)

    def _function(self, fn, scope: Scope, qual: str, cls: str | None) -> None:
        name = f"{qual}.{fn.name}" if qual else fn.name
        self_type = self.schema.self_types.get(cls, frozenset()) if cls else frozenset()
        # a nested function sees its enclosing function's names; a module's globals are not
        # followed
        inner = Scope(scope if scope.qualname else None, name, self_type)
        args = fn.args
        all_args = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        all_args += [a for a in (args.vararg, args.kwarg) if a]
        for i, a in enumerate(all_args):
            inner.locals.add(a.arg)
            if i == 0 and cls and a.arg == "self":
                inner.types[a.arg] |= self_type
            elif a.annotation is not None:
                inner.types[a.arg] |= self._annotation(a.annotation)
        if self.src.counts(name):
            for default in [*args.defaults, *[d for d in args.kw_defaults if d]]:
                self._flow(self._reads(default, scope), {ROOT}, default)
        self._block(fn.body, inner, name)

    def _stmt(self, s: ast.stmt, scope: Scope, qual: str, counts: bool) -> None:
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(s, scope, qual, None)
            return
        if isinstance(s, ast.ClassDef):
            for item in s.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    self._function(item, scope, s.name, s.name)
            return
        if isinstance(s, ast.If | ast.While):
            if counts:
                self._flow(
                    self._reads(s.test, scope), self._controlled(s.body + s.orelse, scope), s
                )
            for part in (s.body, s.orelse):
                for x in part:
                    self._stmt(x, scope, qual, counts)
            return
        if isinstance(s, ast.For | ast.AsyncFor):
            if counts:
                writes = self._targets(s.target, scope, set())
                writes |= self._controlled(s.body + s.orelse, scope)
                self._flow(self._reads(s.iter, scope), writes, s)
            self._loops.append(self._loop_names(s.target, s.iter))
            for part in (s.body, s.orelse):
                for x in part:
                    self._stmt(x, scope, qual, counts)
            self._loops.pop()
            return
        if isinstance(s, ast.With | ast.AsyncWith):
            if counts:
                for item in s.items:
                    self._flow(self._reads(item.context_expr, scope), {ROOT}, s)
            for x in s.body:
                self._stmt(x, scope, qual, counts)
            return
        if isinstance(s, ast.Try):
            for part in (s.body, s.orelse, s.finalbody, *[h.body for h in s.handlers]):
                for x in part:
                    self._stmt(x, scope, qual, counts)
            return
        if not counts:
            return
        if isinstance(s, ast.Assign | ast.AugAssign | ast.AnnAssign):
            if s.value is None:
                return
            index_reads: set[Node] = set()
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            writes: set[Node] = set()
            for t in targets:
                writes |= self._targets(t, scope, index_reads)
            reads = self._reads(s.value, scope) | index_reads
            if isinstance(s, ast.AugAssign):
                reads |= self._reads(self._as_load(s.target), scope)
            self._flow(reads, writes, s)
        elif isinstance(s, ast.Expr):
            self._expression_statement(s, scope)
        elif isinstance(s, ast.Return | ast.Raise | ast.Assert):
            for child in ast.iter_child_nodes(s):
                self._flow(self._reads(child, scope), {ROOT}, s)
        elif isinstance(s, ast.Delete | ast.Pass | ast.Break | ast.Continue):
            pass
        elif isinstance(s, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
            pass
        else:  # anything else: its reads are effects
            self._flow(self._reads(s, scope), {ROOT}, s)

    def _controlled(self, body: list[ast.stmt], scope: Scope) -> set[Node]:
        """What a condition (or a loop's iterable) decides: the writes of the statements it
        guards, and the root if they do anything else (a call, a return, a break...)."""
        self._silent += 1
        out: set[Node] = set()
        for st in body:
            if isinstance(st, ast.Assign | ast.AugAssign | ast.AnnAssign):
                for t in st.targets if isinstance(st, ast.Assign) else [st.target]:
                    out |= self._targets(t, scope, set(), store=False)
            elif isinstance(st, ast.If | ast.While):
                out |= self._controlled(st.body + st.orelse, scope)
            elif isinstance(st, ast.For | ast.AsyncFor):
                out |= self._targets(st.target, scope, set(), store=False)
                out |= self._controlled(st.body + st.orelse, scope)
            elif isinstance(st, ast.Try):
                out |= self._controlled(st.body + st.orelse + st.finalbody, scope)
                for h in st.handlers:
                    out |= self._controlled(h.body, scope)
            elif isinstance(st, ast.Pass):
                pass
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
                pass  # a docstring
            elif isinstance(st, ast.Expr):
                out |= self._expression_writes(st, scope) or {ROOT}
            else:
                out.add(ROOT)
        self._silent -= 1
        return out

    def _expression_writes(self, s: ast.Expr, scope: Scope) -> set[Node]:
        """The fields or locals a call statement writes (a mutator such as ``x.f.append(v)``
        or ``setattr``), or an empty set if it is a call made for another effect."""
        call = s.value
        if not isinstance(call, ast.Call):
            return set()
        if isinstance(call.func, ast.Name) and call.func.id == "setattr" and len(call.args) == 3:
            return self._dynamic_targets(call.args[0], call.args[1], scope, s, declare=False)
        if isinstance(call.func, ast.Attribute) and call.func.attr in MUTATORS:
            writes = self._targets(call.func.value, scope, set(), store=False)
            return writes if ROOT not in writes else set()
        return set()

    def _expression_statement(self, s: ast.Expr, scope: Scope) -> None:
        call = s.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            if call.func.id == "setattr" and len(call.args) == 3:
                base, name_expr, value = call.args
                if self._is_copy(value, name_expr):
                    return  # setattr(x, n, getattr(y, n)): a field copied onto itself
                writes = self._dynamic_targets(base, name_expr, scope, s)
                self._flow(self._reads(value, scope), writes, s)
                return
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in MUTATORS
        ):
            index_reads: set[Node] = set()
            writes = self._targets(call.func.value, scope, index_reads, store=False)
            if writes and ROOT not in writes:
                reads = index_reads
                for a in [*call.args, *[k.value for k in call.keywords]]:
                    reads |= self._reads(a, scope)
                self._flow(reads, writes, s)
                return
        self._flow(self._reads(call, scope), {ROOT}, s)

    @staticmethod
    def _is_copy(value: ast.expr, name_expr: ast.expr) -> bool:
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "getattr"
            and len(value.args) >= 2
            and ast.dump(value.args[1]) == ast.dump(name_expr)
        )

    @staticmethod
    def _as_load(target: ast.expr) -> ast.expr:
        node = ast.parse(ast.unparse(target), mode="eval").body
        return ast.copy_location(node, target)

    def _where(self, node: ast.AST) -> str:
        return f"{self.src.label}:{getattr(node, 'lineno', 0)}"

    def _flow(self, reads: set[Node], writes: set[Node], at: ast.AST) -> None:
        sinks = writes or {ROOT}
        for r in reads:
            for w in sinks:
                if r != w:
                    self.edges[r].add(w)
        for occ in self._pending:
            occ.sinks = {w for w in sinks if w != occ.node}
        self._pending = []

    # --- targets (writes) ---------------------------------------------------------------------
    def _targets(
        self, t: ast.expr, scope: Scope, index_reads: set[Node], store: bool = True
    ) -> set[Node]:
        if isinstance(t, ast.Name):
            owner = scope.owner_of(t.id)
            return {("l", id(owner), t.id)} if owner else {ROOT}
        if isinstance(t, ast.Tuple | ast.List):
            out: set[Node] = set()
            for e in t.elts:
                out |= self._targets(e, scope, index_reads, store)
            return out
        if isinstance(t, ast.Starred):
            return self._targets(t.value, scope, index_reads, store)
        if isinstance(t, ast.Subscript):
            index_reads |= self._reads(t.slice, scope)
            return self._targets(t.value, scope, index_reads, store)
        if isinstance(t, ast.Attribute):
            out = set()
            for owner in self._owners(self._types(t.value, scope)):
                if store and owner in self.schema.open_owners:
                    self._declare(owner, t.attr, t)
                if t.attr in self.schema.tracked.get(owner, ()):
                    out.add(("f", owner, t.attr))
                    if store and self.recording and not self._silent:
                        self.write_sites[("f", owner, t.attr)].append(self._where(t))
            return out or {ROOT}
        return {ROOT}

    def _declare(self, owner: str, attr: str, at: ast.AST) -> None:
        if attr in self.schema.properties.get(owner, {}):
            return
        self.schema.tracked[owner].add(attr)
        self.schema.defined.setdefault((owner, attr), f"{self._where(at)} (set on {owner})")

    def _dynamic_targets(self, base, name_expr, scope, at, declare=True) -> set[Node]:
        owners = self._owners(self._types(base, scope))
        if self._is_copy(at.value.args[2], name_expr) if isinstance(at, ast.Expr) else False:
            return set()
        names = self._names(name_expr, scope, at) if owners else None
        out: set[Node] = set()
        for owner in owners:
            for n in names or ():
                if declare and owner in self.schema.open_owners:
                    self._declare(owner, n, at)
                if n in self.schema.tracked.get(owner, ()):
                    out.add(("f", owner, n))
        return out or {ROOT}

    # --- reads --------------------------------------------------------------------------------
    def _reads(self, e: ast.AST, scope: Scope) -> set[Node]:
        out: set[Node] = set()
        self._read_into(e, scope, out)
        return out

    def _record(self, node: Node, at: ast.AST, out: set[Node]) -> None:
        out.add(node)
        if self.recording and not self._silent:
            occ = Occurrence(node, self._where(at))
            self.occurrences.append(occ)
            self._pending.append(occ)

    def _read_into(self, e: ast.AST, scope: Scope, out: set[Node]) -> None:
        if isinstance(e, ast.Attribute) and isinstance(e.ctx, ast.Load):
            owners = self._owners(self._types(e.value, scope))
            for owner in owners:
                props = self.schema.properties.get(owner, {})
                if e.attr in props:
                    for f in props[e.attr]:
                        if f in self.schema.tracked.get(owner, ()):
                            self._record(("f", owner, f), e, out)
                elif e.attr in self.schema.tracked.get(owner, ()):
                    self._record(("f", owner, e.attr), e, out)
            if not owners and self.recording and not self._silent:
                named = any(e.attr in fs for fs in self.schema.tracked.values())
                if named and not self._is_module(e.value, scope):
                    self.unknown_reads.append((e.attr, self._where(e)))
            self._read_into(e.value, scope, out)
            return
        if isinstance(e, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            names: dict[str, ast.expr | None] = {}
            for g in e.generators:
                names.update(self._loop_names(g.target, g.iter))
            self._loops.append(names)
            for child in ast.iter_child_nodes(e):
                self._read_into(child, scope, out)
            self._loops.pop()
            return
        if isinstance(e, ast.Name) and isinstance(e.ctx, ast.Load):
            owner = scope.owner_of(e.id)
            if owner is not None:
                out.add(("l", id(owner), e.id))
            return
        if isinstance(e, ast.Call):
            f = e.func
            if isinstance(f, ast.Name) and f.id == "getattr" and len(e.args) >= 2:
                owners = self._owners(self._types(e.args[0], scope))
                if owners:
                    for n in self._names(e.args[1], scope, e) or ():
                        for owner in owners:
                            if n in self.schema.tracked.get(owner, ()):
                                self._record(("f", owner, n), e, out)
            if (
                isinstance(f, ast.Attribute)
                and f.attr == "get"
                and e.args
                and isinstance(e.args[0], ast.Constant)
                and isinstance(e.args[0].value, str)
                and not self._owners(self._types(f.value, scope))
                and self.recording
                and self.src.raw_keys
            ):
                self.string_keys.append((e.args[0].value, self._where(e)))
        if (
            isinstance(e, ast.Subscript)
            and isinstance(e.ctx, ast.Load)
            and isinstance(e.slice, ast.Constant)
            and isinstance(e.slice.value, str)
            and not self._owners(self._types(e.value, scope))
            and self.recording
            and self.src.raw_keys
        ):
            self.string_keys.append((e.slice.value, self._where(e)))
        for child in ast.iter_child_nodes(e):
            self._read_into(child, scope, out)

    def _is_module(self, e: ast.expr, scope: Scope) -> bool:
        return (
            isinstance(e, ast.Name)
            and scope.owner_of(e.id) is None
            and isinstance(self.src.namespace.get(e.id), types.ModuleType)
        )

    # --- names in strings ---------------------------------------------------------------------
    def _names(self, e: ast.expr, scope: Scope, at: ast.AST) -> set[str] | None:
        """The attribute names a ``getattr``/``setattr`` name expression can take, or None."""
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return {e.value}
        if isinstance(e, ast.JoinedStr):
            value = self._evaluate(e, {})
            if isinstance(value, str):
                return {value}
        loop = next(
            (d for d in reversed(self._loops) if isinstance(e, ast.Name) and e.id in d), None
        )
        if loop is not None and loop[e.id] is not None:
            value = self._evaluate(loop[e.id], self.src.namespace)
            if value is not None:
                return {v for v in value if isinstance(v, str)}
        elif isinstance(e, ast.Name) and loop is None:
            owner = scope.owner_of(e.id)
            if owner is not None:
                lits = {v for t in owner.types.get(e.id, ()) if t[0] == "lit" for v in t[1]}
                if lits:
                    return lits
                sources = owner.iters.get(e.id, [])
                if sources and all(s is not None for s in sources):
                    names: set[str] = set()
                    for s in sources:
                        value = self._evaluate(s, self.src.namespace)
                        if value is None:
                            break
                        names |= {v for v in value if isinstance(v, str)}
                    else:
                        return names
        key = f"{self.src.label}:{scope.qualname}"
        if key in self.dynamic:
            self.used_dynamic.add(key)
            return set(self.dynamic[key]())
        if self.recording:
            self.unresolved.append(f"{self._where(at)} in {scope.qualname}: {ast.unparse(at)}")
        return None

    @staticmethod
    def _loop_names(target: ast.expr, iterable: ast.expr) -> dict[str, ast.expr | None]:
        """Names a loop binds: a plain name to its iterable, names unpacked from it to None."""
        if isinstance(target, ast.Name):
            return {target.id: iterable}
        return {n.id: None for n in ast.walk(target) if isinstance(n, ast.Name)}

    @staticmethod
    def _evaluate(e: ast.expr, namespace: dict):
        expr = ast.Expression(e)
        if not all(isinstance(n, SAFE_EVAL) for n in ast.walk(expr)):
            return None
        try:
            return eval(compile(ast.fix_missing_locations(expr), "<names>", "eval"), namespace)
        except Exception:
            return None

    # --- types --------------------------------------------------------------------------------
    @staticmethod
    def _owners(ts: Iterable) -> set[str]:
        return {t[1] for t in ts if t[0] == "o"}

    def _annotation(self, a: ast.expr) -> TypeSet:
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            return self._annotation(ast.parse(a.value, mode="eval").body)
        if isinstance(a, ast.Name):
            return self.schema.names.get(a.id, frozenset())
        if isinstance(a, ast.Attribute):
            return self.schema.names.get(a.attr, frozenset())
        if isinstance(a, ast.BinOp) and isinstance(a.op, ast.BitOr):
            return self._annotation(a.left) | self._annotation(a.right)
        if isinstance(a, ast.Subscript) and isinstance(a.value, ast.Name):
            if a.value.id == "list":
                return frozenset({("list", self._annotation(a.slice))})
        return frozenset()

    def _types(self, e: ast.expr, scope: Scope) -> TypeSet:
        s = self.schema
        if isinstance(e, ast.Name):
            owner = scope.owner_of(e.id)
            if owner is not None:
                return frozenset(owner.types.get(e.id, ()))
            return frozenset()
        if isinstance(e, ast.Attribute):
            out: set = set()
            for owner in self._owners(self._types(e.value, scope)):
                out |= s.owners.get(owner, {}).get(e.attr, set())
                if (owner, e.attr) in s.literals:
                    out.add(("lit", s.literals[owner, e.attr]))
            return frozenset(out)
        if isinstance(e, ast.Call):
            f = e.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in ("model_copy", "copy") and isinstance(f, ast.Attribute):
                return self._types(f.value, scope)
            if name in ("enumerate",) and e.args:
                return frozenset(
                    {
                        (
                            "list",
                            frozenset({("tuple", (frozenset(), self._elements(e.args[0], scope)))}),
                        )
                    }
                )
            if name == "zip":
                elems = tuple(self._elements(a, scope) for a in e.args)
                return frozenset({("list", frozenset({("tuple", elems)}))})
            if name in ("list", "sorted", "reversed", "tuple") and e.args:
                return frozenset({("list", self._elements(e.args[0], scope))})
            return s.returns.get(name, frozenset())
        if isinstance(e, ast.Tuple | ast.List):
            return frozenset({("tuple", tuple(self._types(x, scope) for x in e.elts))})
        if isinstance(e, ast.Subscript):
            out = set()
            for t in self._types(e.value, scope):
                if t[0] == "list":
                    out |= t[1]
                elif (
                    t[0] == "tuple"
                    and isinstance(e.slice, ast.Constant)
                    and isinstance(e.slice.value, int)
                    and -len(t[1]) <= e.slice.value < len(t[1])
                ):
                    out |= t[1][e.slice.value]
            return frozenset(out)
        if isinstance(e, ast.IfExp):
            return self._types(e.body, scope) | self._types(e.orelse, scope)
        if isinstance(e, ast.BoolOp):
            out = set()
            for v in e.values:
                out |= self._types(v, scope)
            return frozenset(out)
        return frozenset()

    def _elements(self, e: ast.expr, scope: Scope) -> TypeSet:
        out: set = set()
        for t in self._types(e, scope):
            if t[0] == "list":
                out |= t[1]
            elif t[0] == "tuple":
                for x in t[1]:
                    out |= x
        return frozenset(out)

    # --- binding names (types, locals, loop sources) ------------------------------------------
    def _bind(self, t: ast.expr, ts: TypeSet, scope: Scope, source=None) -> None:
        if isinstance(t, ast.Name):
            scope.locals.add(t.id)
            scope.types[t.id] |= ts
            if source is not False:
                scope.iters[t.id].append(source)
        elif isinstance(t, ast.Tuple | ast.List):
            for i, elt in enumerate(t.elts):
                sub: set = set()
                for x in ts:
                    if x[0] == "tuple" and len(x[1]) == len(t.elts):
                        sub |= x[1][i]
                self._bind(elt, frozenset(sub), scope, None if source is not False else False)
        elif isinstance(t, ast.Starred):
            self._bind(t.value, frozenset(), scope, source)
        elif isinstance(t, ast.Attribute):
            for owner in self._owners(self._types(t.value, scope)):
                if owner in self.schema.open_owners:
                    self.schema.owners[owner].setdefault(t.attr, set()).update(ts)

    def _bind_stmt(self, s: ast.stmt, scope: Scope) -> None:
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope.locals.add(s.name) if scope.qualname else None
            return
        if isinstance(s, ast.Assign):
            ts = self._types(s.value, scope)
            for t in s.targets:
                self._bind(t, ts, scope, False)
        elif isinstance(s, ast.AnnAssign):
            ts = self._annotation(s.annotation)
            if s.value is not None:
                ts |= self._types(s.value, scope)
            self._bind(s.target, ts, scope, False)
        elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
            scope.locals.add(s.target.id)
        elif isinstance(s, ast.For | ast.AsyncFor):
            self._bind(s.target, self._elements(s.iter, scope), scope, s.iter)
        elif isinstance(s, ast.With | ast.AsyncWith):
            for item in s.items:
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, frozenset(), scope, False)
        elif isinstance(s, ast.Try):
            for h in s.handlers:
                if h.name:
                    scope.locals.add(h.name)
        for child in ast.iter_child_nodes(s):
            if isinstance(child, ast.stmt):
                self._bind_stmt(child, scope)
            elif isinstance(child, ast.expr):
                self._bind_expr(child, scope)

    def _bind_expr(self, e: ast.expr, scope: Scope) -> None:
        for n in ast.walk(e):
            if isinstance(n, ast.comprehension):
                self._bind(n.target, self._elements(n.iter, scope), scope, n.iter)
            elif isinstance(n, ast.Lambda):
                for a in n.args.args:
                    scope.locals.add(a.arg)
            elif isinstance(n, ast.NamedExpr):
                self._bind(n.target, self._types(n.value, scope), scope, False)


# ---------------------------------------------------------------------------------------------
# The schema of qisim


def _pydantic_models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every pydantic model reachable from ``root`` through its fields' annotations."""
    found: dict[str, type[BaseModel]] = {}

    def walk(tp) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp.__name__ in found:
                return
            found[tp.__name__] = tp
            for f in tp.model_fields.values():
                walk(f.annotation)
            return
        for arg in typing.get_args(tp):
            walk(arg)

    walk(root)
    return found


def _annotation_types(tp) -> TypeSet:
    """Analyser types of a pydantic field's annotation."""
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return frozenset({owner_type(tp.__name__)})
    if origin is list:
        (arg,) = typing.get_args(tp) or (None,)
        return frozenset({("list", _annotation_types(arg))})
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        out: set = set()
        for arg in typing.get_args(tp)[: 1 if origin is typing.Annotated else None]:
            out |= _annotation_types(arg)
        return frozenset(out)
    return frozenset()


def _literal_values(tp) -> tuple:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return tuple(typing.get_args(tp))
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return tuple(v for arg in typing.get_args(tp) for v in _literal_values(arg))
    return ()


def _line_of(path: Path, cls: str, name: str) -> int:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if (
                    isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and item.target.id == name
                ):
                    return item.lineno
    return 0


def qisim_schema() -> Schema:
    from qisim import constants, model, scenario, world

    s = Schema()
    rel = lambda mod: Path(mod.__file__).relative_to(ROOT_DIR).as_posix()  # noqa: E731
    for owner, cls, mod in (
        ("staff", world.StaffArrays, world),
        ("wards", world.WardArrays, world),
        ("competing", model.CompetingInitiatives, model),
        ("Constants", constants.Constants, constants),
    ):
        for f in fields(cls):
            s.tracked[owner].add(f.name)
            line = _line_of(Path(mod.__file__), cls.__name__, f.name)
            s.defined[owner, f.name] = f"{rel(mod)}:{line} ({cls.__name__}.{f.name})"
    for owner in ("staff", "wards", "model", "lifecycle", "competing"):
        s.open_owners.add(owner)
    pydantic = _pydantic_models(scenario.Scenario)
    for name, cls in pydantic.items():
        for fname, info in cls.model_fields.items():
            s.tracked[name].add(fname)
            s.owners[name][fname] = set(_annotation_types(info.annotation))
            lits = _literal_values(info.annotation)
            if lits:
                s.literals[name, fname] = lits
            line = _line_of(Path(scenario.__file__), name, fname)
            s.defined[name, fname] = f"{rel(scenario)}:{line} ({name}.{fname})"
        s.names[name] = s.returns[name] = s.self_types[name] = frozenset({owner_type(name)})
    typed = {
        "QIModel": "model",
        "StaffArrays": "staff",
        "WardArrays": "wards",
        "CompetingInitiatives": "competing",
        "Lifecycle": "lifecycle",
        "Constants": "Constants",
    }
    for cls_name, owner in typed.items():
        s.names[cls_name] = s.returns[cls_name] = frozenset({owner_type(owner)})
        s.self_types[cls_name] = frozenset({owner_type(owner)})
    s.returns.update(
        {
            "build_wards": s.names["WardArrays"],
            "build_staff": s.names["StaffArrays"],
            "_build_competing": s.names["CompetingInitiatives"],
            "validate": s.names["Scenario"],
            "scenario_from_dict": s.names["Scenario"],
            "with_overrides": s.names["Scenario"],
            "load_scenario": s.names["Scenario"],
            # annotated list[tuple[str, object, str]]; the object is the Ward spec
            "expand_wards": frozenset(
                {("list", frozenset({("tuple", (frozenset(), s.names["Ward"], frozenset()))}))}
            ),
        }
    )
    return s


def _source(rel: str, include=None, exclude=(), raw_keys=False) -> Source:
    path = ROOT_DIR / rel
    module = rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    ns = dict(vars(importlib.import_module(module)))
    return Source(rel, path.read_text(), ns, include, set(exclude), raw_keys)


MECHANISM_FILES = sorted(
    p.relative_to(ROOT_DIR).as_posix() for p in (QISIM / "mechanisms").glob("*.py")
) + ["qisim/lifecycle.py", "qisim/strategies.py"]
# QIModel methods that serve outputs (stages for agents and results)
OUTPUT_METHODS = {"QIModel.staff_stages"}
# qisim/scenario.py functions that consume fields while a scenario is loaded
LOADING = {
    "Scenario._winter_peak_events",  # the winter peak (Staffing.*) becomes events
    "winter_events",
    "month_start_day",
    "outcome_base_rate",  # the outcome rates become each ward's base rate (world.build_wards)
    "_apply_ffit",  # an inline FFIT audit sets attributes; a ward's `measured` fields are kept
}


def mechanism_sources() -> list[Source]:
    return [
        *(_source(f) for f in MECHANISM_FILES),
        _source("qisim/model.py", exclude=OUTPUT_METHODS),
        # draw_qi_skill and build_wards: arriving staff's QI skill (start and turnover) and the
        # default micro-culture, rules the mechanisms start from
        _source(
            "qisim/world.py",
            include={"StaffArrays.*", "WardArrays.*", "draw_qi_skill", "build_wards"},
        ),
    ]


def core_sources() -> list[Source]:
    return [
        *(_source(f) for f in MECHANISM_FILES),
        _source("qisim/model.py", exclude=OUTPUT_METHODS),
        _source("qisim/world.py"),
        _source("qisim/scenario.py", include=LOADING, raw_keys=True),
    ]


def _ward_ffit_arrays() -> list[str]:
    from qisim import strategies

    return [array for array, _, _ in strategies._ward_item_scales()]


# getattr with a name the AST cannot resolve: "file:function" -> the names it reads
DYNAMIC_READS: dict[str, Callable[[], Iterable[str]]] = {
    # the ward-level FFIT items' arrays, named by the FFIT mapping's ward paths
    "qisim/strategies.py:ward_ffit_scores": _ward_ffit_arrays,
}

# Ward arrays that label a ward for outputs (tables, plots, the app) rather than describe its
# state: an identity, not a number a mechanism could use. `names` is read through `n`.
LABELS = {
    ("wards", "hospital"): "which hospital the ward is in (results, plots, deviance tables)",
    ("wards", "hospital_names"): "the hospitals' names (results, plots, the app)",
    ("wards", "specialty"): "the ward's specialty (results, the app, deviance tables)",
    ("staff", "shift"): "the contracted shift pattern (day, night, rotating): world.build_staff "
    "derives the rota from it (rotating, fixed_shift); agents and deviance tables show it",
}

# Scenario fields that document a scenario rather than describe the trust: no mechanism may
# read them. Keep this small.
DOCUMENTATION = {
    ("Scenario", "name"): "the scenario's title in reports",
    ("Scenario", "description"): "free text for the reader",
    ("Trust", "name"): "the trust's name in reports",
    ("Initiative", "name"): "the initiative's name in reports",
}

# Model-level attributes kept as outputs of the run: written by the mechanisms, read by results,
# the recorder's users, the planner and the app, never by a mechanism.
MODEL_OUTPUTS = {
    ("model", "audits"): "the monthly audits (results: audit improvement after launch)",
    ("model", "event_log"): "the scheduled events applied (results)",
    ("model", "team_staffed_day"): "when the QI team reached establishment (results)",
    ("model", "launch_scenario"): "the scenario as launched (results: its FFIT profile)",
    ("model", "ward_names"): "the wards' names (agents' views, results)",
    ("lifecycle", "history"): "the stages the initiative went through (results, planner, app)",
}


@pytest.fixture(scope="module")
def mechanisms() -> Analyser:
    a = Analyser(qisim_schema(), DYNAMIC_READS)
    a.run(mechanism_sources())
    return a


@pytest.fixture(scope="module")
def core() -> Analyser:
    a = Analyser(qisim_schema(), DYNAMIC_READS)
    a.run(core_sources())
    return a


def dead_fields(a: Analyser, owners: Iterable[str], roots: Iterable[Node] = ()) -> list[Node]:
    live = a.live(roots)
    return sorted(
        ("f", o, name)
        for o in owners
        for name in a.schema.tracked.get(o, ())
        if ("f", o, name) not in live
    )


def explain(a: Analyser, dead: list[Node], title: str, allowed: dict | None = None) -> str:
    """A failure message: each dead name, where it is defined and what its reads feed."""
    dead_set = set(dead)
    lines = [f"{title}: {len(dead)}"]
    for node in dead:
        _, owner, name = node
        lines.append(f"  {owner}.{name}  defined at {a.schema.defined.get((owner, name), '?')}")
        writes = sorted(set(a.write_sites.get(node, [])))
        if writes:
            lines.append(f"      written at {', '.join(writes)}")
        reads = [o for o in a.occurrences if o.node == node]
        if not reads:
            lines.append("      read nowhere")
        for occ in reads:
            into = sorted(
                f"{w[1]}.{w[2]}" + (" (dead)" if w in dead_set else "")
                for w in a.reach(occ.sinks)
                if w[0] == "f" and w != node
            )
            what = ", ".join(into) if into else "itself (an update from its own value)"
            lines.append(f"      read at {occ.where} only into {what}")
        for attr, where in a.unknown_reads:
            if attr == name:
                lines.append(
                    f"      (.{name} at {where} is on an object of unknown type: not counted)"
                )
    if allowed:
        lines.append("  (allowed by the test: " + ", ".join(f"{o}.{n}" for o, n in allowed) + ")")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The tests on qisim


def test_dynamic_reads_resolved(mechanisms: Analyser, core: Analyser) -> None:
    """Every getattr on tracked state names what it reads, and DYNAMIC_READS has no stale entry."""
    unresolved = sorted(set(mechanisms.unresolved) | set(core.unresolved))
    stale = set(DYNAMIC_READS) - mechanisms.used_dynamic - core.used_dynamic
    assert not unresolved and not stale, (
        "getattr/setattr names the test cannot resolve (add them to DYNAMIC_READS): "
        f"{unresolved}; stale DYNAMIC_READS entries: {sorted(stale)}"
    )


def test_every_state_variable_is_read(mechanisms: Analyser) -> None:
    dead = [
        n for n in dead_fields(mechanisms, ("staff", "wards", "competing")) if n[1:] not in LABELS
    ]
    assert not dead, explain(
        mechanisms, dead, "State variables no mechanism reads (dead state)", LABELS
    )


def test_every_model_attribute_is_read(mechanisms: Analyser) -> None:
    dead = [
        n for n in dead_fields(mechanisms, ("model", "lifecycle")) if n[1:] not in MODEL_OUTPUTS
    ]
    assert not dead, explain(
        mechanisms, dead, "Model-level attributes no mechanism reads", MODEL_OUTPUTS
    )


def test_every_constant_is_read(mechanisms: Analyser) -> None:
    dead = dead_fields(mechanisms, ("Constants",))
    assert not dead, explain(mechanisms, dead, "Constants no mechanism reads")


def test_every_scenario_field_is_read(core: Analyser) -> None:
    from qisim.scenario import Scenario

    models = _pydantic_models(Scenario)
    state = [("f", o, n) for o in ("staff", "wards", "competing", "model", "lifecycle")
             for n in core.schema.tracked.get(o, ())]  # fmt: skip
    keyed = {key for key, _ in core.string_keys}
    dead = [
        n
        for n in dead_fields(core, models, roots=state)
        if n[1:] not in DOCUMENTATION and n[2] not in keyed
    ]
    assert not dead, explain(core, dead, "Scenario fields the core never reads", DOCUMENTATION)


def test_allowlists_are_needed(mechanisms: Analyser, core: Analyser) -> None:
    """Every allowlisted name exists and is dead without its entry (else the entry goes)."""
    problems = []
    for analyser, allowed in ((mechanisms, {**LABELS, **MODEL_OUTPUTS}), (core, DOCUMENTATION)):
        live = analyser.live()
        for owner, name in allowed:
            if name not in analyser.schema.tracked.get(owner, ()):
                problems.append(f"{owner}.{name} does not exist")
            elif ("f", owner, name) in live:
                problems.append(f"{owner}.{name} is read by a mechanism: drop it from the list")
    assert not problems, "; ".join(problems)


# ---------------------------------------------------------------------------------------------
# The checker checked: synthetic modules it must flag, and ones it must pass

SYNTHETIC = """
from __future__ import annotations

NAMES = ("alpha", "beta")


class Staff:
    @property
    def n(self):
        return len(self.ward)


def step(model: QIModel) -> None:
    s, k = model.staff, model.constants
    s.morale[s.on_duty] += 0.1                # morale: only updated from itself
    o = s.cynicism
    s.cynicism = o + k.gain * (1 - o)         # cynicism: from itself, through a local
    s.fatigue = s.fatigue * 0.5 + s.load      # load only feeds fatigue, which is dead
    if s.ready.any():                         # a decision: ready is read
        s.habit = s.habit + s.skill           # skill feeds habit, habit is read below
    model.result = s.habit.mean() + s.n       # n reads ward
    for name in NAMES:
        model.total += getattr(s, name)       # alpha, beta read by name
    setattr(s, "gamma", getattr(s, "gamma"))  # a copy onto itself is no read
    if s.flag is None:                        # read only to guard its own write
        s.flag = model.day
"""


def synthetic_schema() -> Schema:
    s = Schema()
    s.tracked["staff"] = {
        "morale", "on_duty", "cynicism", "fatigue", "load", "ready", "habit", "skill", "ward",
        "alpha", "beta", "gamma", "flag",
    }  # fmt: skip
    s.tracked["Constants"] = {"gain", "unused"}
    s.owners["model"] = {"staff": {owner_type("staff")}, "constants": {owner_type("Constants")}}
    s.names["QIModel"] = frozenset({owner_type("model")})
    s.self_types["Staff"] = frozenset({owner_type("staff")})
    return s


def test_checker_flags_dead_state_and_passes_live_state() -> None:
    a = Analyser(synthetic_schema(), {})
    a.run([Source("synthetic.py", SYNTHETIC, {"NAMES": ("alpha", "beta")})])
    dead = {n[2] for n in dead_fields(a, ("staff", "Constants"))}
    assert dead == {
        "morale", "on_duty", "cynicism", "fatigue", "load", "gamma", "flag", "unused", "gain"
    }  # fmt: skip
    assert not a.unresolved
    message = explain(a, dead_fields(a, ("staff",)), "dead")
    assert "staff.load" in message and "staff.fatigue (dead)" in message


def test_checker_follows_types_and_flags_unresolved_names() -> None:
    source = """
def load(scenario: Scenario, key) -> float:
    for spec in scenario.wards:
        total = spec.beds
    return total + getattr(scenario.trust, key)
"""
    s = Schema()
    s.tracked["Scenario"] = {"wards", "trust", "name"}
    s.tracked["Ward"] = {"beds", "count"}
    s.tracked["Trust"] = {"x"}
    s.owners["Scenario"] = {
        "wards": {("list", frozenset({owner_type("Ward")}))},
        "trust": {owner_type("Trust")},
    }
    s.names["Scenario"] = frozenset({owner_type("Scenario")})
    a = Analyser(s, {})
    a.run([Source("syn.py", source, {})])
    dead = {(n[1], n[2]) for n in dead_fields(a, ("Scenario", "Ward", "Trust"))}
    assert dead == {("Scenario", "name"), ("Ward", "count"), ("Trust", "x")}
    assert len(a.unresolved) == 1 and "getattr(scenario.trust, key)" in a.unresolved[0]
    # the same read, resolved by DYNAMIC_READS
    b = Analyser(s, {"syn.py:load": lambda: ["x"]})
    b.run([Source("syn.py", source, {})])
    assert ("f", "Trust", "x") not in dead_fields(b, ("Trust",)) and not b.unresolved
