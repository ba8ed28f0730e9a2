"""What ``qisim validate`` prints and writes: cases, contrasts, ablations, the null model and the
robustness study, each as a CSV and a figure (the rules live in :mod:`qisim.validation`)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from qisim import validation as v
from qisim.plots import plt
from qisim.results import median_interval
from qisim.sweep.analysis import wilson
from qisim.sweep.publish import save_figure


def _fmt(values, pct=False) -> str:
    med, lo, hi = median_interval(values)
    if np.isnan(med):
        return "-"
    f = (lambda x: f"{x:.0%}") if pct else (lambda x: f"{x:.2f}")
    return f"{f(med)} [{f(lo)}, {f(hi)}]"


# ---------------------------------------------------------------------------------------------
# the cases


def case_table(rows: list[dict]) -> list[dict]:
    """One row per case: class shares, the verdict, key figures with 90% intervals."""
    table = []
    for case in v.CASES:
        rs = [r for r in rows if r["case"] == case.file]
        verdict = v.case_verdict(case, [r["cls"] for r in rs])
        emb = [r["summary"]["embedded_ward_fraction"] for r in rs]
        prac = [r["summary"]["practice_rate"] for r in rs]
        row = {
            "case": case.name,
            "trust": case.trust,
            "initiative": case.initiative,
            "report_outcome": case.expected,
            "report_words": case.observed,
            "runs": len(rs),
            "share_reproducing": verdict.expected_share,
            # "none" when no run contradicts (as the console and validation.md say)
            "worst_contradiction": verdict.worst_contradiction[0]
            if verdict.worst_contradiction[1] > 0
            else "none",
            "worst_contradiction_share": verdict.worst_contradiction[1],
            "pass": verdict.passed,
        }
        for name, values in (("embedded", emb), ("practice", prac)):
            med, lo, hi = median_interval(values)
            row.update({f"{name}_median": med, f"{name}_p05": lo, f"{name}_p95": hi})
        row["redesigns_share"] = float(np.mean([r["summary"]["redesigns"] >= 1 for r in rs]))
        launched = [r["summary"]["first_launch_day"] for r in rs]
        row["launched_share"] = float(np.mean([x is not None for x in launched]))
        row.update({f"share_{c}": verdict.shares[c] for c in v.CLASSES})
        table.append(row)
    return table


def _contradiction(r: dict) -> str:
    if r["worst_contradiction_share"] <= 0:
        return "none"
    return f"{r['worst_contradiction'].replace('_', ' ')} {r['worst_contradiction_share']:.0%}"


def markdown_table(table: list[dict]) -> str:
    """The case rows as the Markdown table the README shows."""
    lines = [
        "| case | report | runs in the report's class | largest contradicting class | wards embedded (median, 90% interval) | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in table:
        lines.append(
            f"| {r['trust']}: {r['initiative']} | {r['report_outcome'].replace('_', ' ')} "
            f"| {r['share_reproducing']:.0%} "
            f"| {_contradiction(r)} "
            f"| {r['embedded_median']:.0%} [{r['embedded_p05']:.0%}, {r['embedded_p95']:.0%}] "
            f"| {'PASS' if r['pass'] else 'FAIL'} |"
        )
    return "\n".join(lines) + "\n"


def cases(args, out: Path, t0: float) -> int:
    rows = v.run_tasks(v.case_tasks(), args.reps, args.seed, args.workers)
    table = case_table(rows)
    print(f"qisim validate: {args.reps} runs per case, {time.perf_counter() - t0:.0f} s\n")
    head = f"{'case':44s} {'report':17s} {'share':>6s}  {'contradicting':24s} {'wards embedded':22s} result"
    print(head + "\n" + "-" * len(head))
    for r in table:
        contra = (
            f"{r['worst_contradiction']} {r['worst_contradiction_share']:.0%}"
            if r["worst_contradiction_share"] > 0
            else "none"
        )
        emb = f"{r['embedded_median']:.0%} [{r['embedded_p05']:.0%}, {r['embedded_p95']:.0%}]"
        print(
            f"{r['trust'] + ': ' + r['initiative']:44s} {r['report_outcome']:17s} "
            f"{r['share_reproducing']:6.0%}  {contra:24s} {emb:22s} {'PASS' if r['pass'] else 'FAIL'}"
        )
        shares = ", ".join(f"{c} {r['share_' + c]:.0%}" for c in v.CLASSES if r["share_" + c] > 0)
        print(f"{'':44s} classes: {shares}")
    print("\nFiner patterns")
    patterns = []
    for p in v.PATTERNS:
        vals = [r[p.name] for r in rows if r["case"] == p.case]
        share = float(np.mean([p.holds(x) for x in vals]))
        med, lo, hi = median_interval(vals)
        ok = share >= v.PASS_SHARE
        case = next(c for c in v.CASES if c.file == p.case)
        print(
            f"  {case.initiative + ': ' + p.name:72s} {med:+.3f} [{lo:+.3f}, {hi:+.3f}]  "
            f"holds in {share:.0%}  {'PASS' if ok else 'FAIL'}"
        )
        patterns.append({
            "case": case.name, "pattern": p.name, "expectation": p.expectation,
            "median": med, "p05": lo, "p95": hi, "share_holding": share, "pass": ok,
        })  # fmt: skip
    pd.DataFrame(table).to_csv(out / "validation.csv", index=False, float_format="%.4g")
    classes = pd.DataFrame(
        [
            {"case": r["case"].removesuffix(".toml"), "seed": r["seed"], "class": r["cls"]}
            for r in rows
        ]
    )
    classes.to_csv(out / "classes.csv", index=False)
    (out / "validation.md").write_text(markdown_table(table))
    pd.DataFrame(patterns).to_csv(out / "patterns.csv", index=False, float_format="%.4g")
    plot_cases(rows, table, out / "validation.png")
    _provenance(out, "cases", args)
    print(f"\nwrote {out}/validation.csv, classes.csv, validation.md, patterns.csv, validation.png")
    failed = [r for r in table if not r["pass"]]
    if failed:
        print(f"{len(failed)} of 6 case(s) FAIL: {', '.join(r['initiative'] for r in failed)}")
        return 1
    print("all six cases PASS")
    return 0


CLASS_COLOURS = {
    "embedded": "#1a9850",
    "patchy": "#a6d96a",
    "late_improvement": "#66bd63",
    "redesigning": "#fee08b",
    "struggling": "#fdae61",
    "fizzled": "#d73027",
    "launch_pending": "#74add1",
    "stalled_in_design": "#4575b4",
}


def event_days(scenario, rows: list[dict]) -> list[float]:
    """The day to mark each scheduled event on: its day, or for an event ``at`` a stage the
    median day the runs first entered that stage (``launch``: their first launch), plus its
    ``after_days``; an event no run reached is not marked."""
    out = []
    for ev in scenario.events:
        if ev.at is None:
            out.append(float(ev.day))
            continue
        days = []
        for r in rows:
            s = r["summary"]
            if ev.at == "launch":
                day = s.get("first_launch_day")
            else:
                day = next((d for d, name in s.get("stages") or () if name == ev.at), None)
            if day is not None:
                days.append(day)
        if days:
            out.append(float(np.median(days)) + ev.after_days)
    return out


def plot_cases(rows: list[dict], table: list[dict], path: Path) -> Path:
    """Per case: trust practice over time (median and 90% band) and the runs' classes as a
    stacked bar, the report's class outlined."""
    fig, axes = plt.subplots(2, 6, figsize=(20, 7), gridspec_kw={"height_ratios": [3, 1.6]})
    for j, (case, t) in enumerate(zip(v.CASES, table)):
        rs = [r for r in rows if r["case"] == case.file]
        curves = np.array([r["trust_practice"] for r in rs])
        days = np.arange(curves.shape[1])
        med, lo, hi = median_interval(curves, axis=0)
        ax = axes[0, j]
        ax.fill_between(days, lo, hi, color="#9ecae1", alpha=0.7, lw=0, label="90% of runs")
        ax.plot(days, med, color="#08519c", lw=2, label="median")
        for day in event_days(v.scenario_for(case.file), rs):
            ax.axvline(day, color="#e6550d", lw=0.8, ls="--")
        ax.set_ylim(0, 1)
        ax.set_title(f"{case.trust}\n{case.initiative}", fontsize=10, loc="left")
        colour = "#006d2c" if t["pass"] else "#a50f15"
        ax.text(
            0.02, 0.97,
            f"report: {case.expected.replace('_', ' ')}\n{t['share_reproducing']:.0%} of runs "
            f"({'PASS' if t['pass'] else 'FAIL'})",
            transform=ax.transAxes, va="top", fontsize=8.5, color=colour,
        )  # fmt: skip
        ax.set_xlabel("day", fontsize=8)
        if j == 0:
            ax.plot([], [], color="#e6550d", lw=0.8, ls="--", label="scheduled event")
            ax.set_ylabel("practice (target wards)")
            ax.legend(loc="center left", fontsize=7, frameon=False)
        ax = axes[1, j]
        left = 0.0
        for c in v.CLASSES:
            share = t["share_" + c]
            if share <= 0:
                continue
            edge = "black" if c == case.expected else "white"
            ax.barh(
                0,
                share,
                left=left,
                color=CLASS_COLOURS[c],
                edgecolor=edge,
                lw=2 if c == case.expected else 0.5,
            )
            if share >= 0.12:
                ax.text(
                    left + share / 2, 0, c.replace("_", "\n"), ha="center", va="center", fontsize=7
                )
            left += share
        ax.axvline(v.PASS_SHARE, color="grey", ls=":", lw=1)
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_xlabel("share of runs in each class (report's outlined)", fontsize=8)
    fig.suptitle(
        "qisim validate: one class per run; a case passes with >= 80% in the report's class "
        "and no contradicting class above 10%", fontsize=12,
    )  # fmt: skip
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    return path


# ---------------------------------------------------------------------------------------------
# contrasts


def contrast_rows(verdicts: list[v.ContrastVerdict]) -> list[dict]:
    return [
        {
            "contrast": x.contrast.name,
            "case": x.contrast.case,
            "claim": x.contrast.claim,
            "measure": x.contrast.measure,
            "direction": x.contrast.direction,
            "min_effect": x.contrast.min_effect,
            "mean_effect": x.mean_effect,
            "direction_share": x.direction_share,
            "pairs": x.pairs,
            "holds": x.holds,
            "features": " ".join(x.contrast.features),
            "quote": x.contrast.quote,
        }
        for x in verdicts
    ]


def cases_and_contrasts(contrasts, reps, seed, workers, ablate=(), model="full", null_params=()):
    """The six cases and every contrast in one pool; the cases' runs are the contrasts' base
    arms (same seeds), so nothing runs twice. Returns (case table, contrast verdicts)."""
    common = {"ablate": ablate, "model": model, "null_params": null_params}
    tasks = v.case_tasks(detail=False, tag="base", **common)
    tasks += v.contrast_tasks(contrasts.contrasts, include_base=False, **common)
    rows = v.run_tasks(tasks, reps, seed, workers)
    return case_table([r for r in rows if r["tag"] == "base"]), v.judge_contrasts(rows, contrasts)


def run_contrasts(contrasts, reps, seed, workers, ablate=(), model="full", null_params=()):
    tasks = v.contrast_tasks(contrasts.contrasts, ablate, model, null_params)
    rows = v.run_tasks(tasks, reps, seed, workers)
    return rows, v.judge_contrasts(rows, contrasts)


def contrast_report(args, out: Path, contrasts) -> int:
    t0 = time.perf_counter()
    rows, verdicts = run_contrasts(contrasts, args.reps, args.seed, args.workers)
    table = contrast_rows(verdicts)
    print(f"qisim validate --contrasts: {args.reps} pairs each, {time.perf_counter() - t0:.0f} s\n")
    for r in table:
        sign = "+" if r["direction"] == "higher" else "-"
        print(
            f"  {r['contrast']:28s} {r['measure']:24s} expect {sign}{r['min_effect']:<5g} "
            f"mean {r['mean_effect']:+.3f}  right sign in {r['direction_share']:.0%}  "
            f"{'HOLDS' if r['holds'] else 'FAILS'}"
        )
    held = sum(r["holds"] for r in table)
    print(f"\n{held} of {len(table)} contrasts hold")
    pd.DataFrame(table).to_csv(out / "contrasts.csv", index=False, float_format="%.4g")
    plot_contrasts(table, out / "contrasts.png")
    _provenance(out, "contrasts", args)
    print(f"wrote {out}/contrasts.csv, contrasts.png")
    return 0


def plot_contrasts(table: list[dict], path: Path, title: str = "") -> Path:
    """Each contrast's mean effect in units of its minimum effect, signed so that the report's
    direction is to the right: at or past 1 (and the right sign in >= 80% of pairs) it holds."""
    fig, ax = plt.subplots(figsize=(13, 0.55 * len(table) + 1.6))
    for i, r in enumerate(table):
        sign = 1 if r["direction"] == "higher" else -1
        x = sign * r["mean_effect"] / r["min_effect"] if r["min_effect"] else 0
        colour = "#1a9850" if r["holds"] else "#d73027"
        ax.barh(i, np.clip(x, -3, 6), color=colour)
        ax.text(
            max(np.clip(x, -3, 6), 0) + 0.05, i,
            f"{r['direction_share']:.0%} of pairs right way", va="center", fontsize=7,
        )  # fmt: skip
    ax.axvline(1, color="black", lw=1, ls="--")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(table)))
    labels = [
        f"{r['contrast']}\n{r['claim'][:62]}{'...' if len(r['claim']) > 62 else ''}" for r in table
    ]
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-3, 8.5)
    ax.set_xlabel("mean effect in the report's direction, in units of the minimum effect (dashed)")
    ax.set_title(
        title or "The report's causal claims as paired contrasts (green: holds)", fontsize=10
    )
    fig.tight_layout()
    fig.subplots_adjust(left=0.36)  # room for the claims
    save_figure(fig, path, dpi=110)
    return path


# ---------------------------------------------------------------------------------------------
# ablations


def ablation(args, out: Path, contrasts) -> int:
    from qisim.mechanisms import ABLATIONS

    t0 = time.perf_counter()
    records = []
    for name in ["none", *args.ablate]:
        ablate = () if name == "none" else (name,)
        table, verdicts = cases_and_contrasts(contrasts, args.reps, args.seed, args.workers, ablate)
        for t in table:
            records.append({
                "ablation": name, "kind": "case", "target": t["case"],
                "share": t["share_reproducing"], "passes": t["pass"],
            })  # fmt: skip
        for x in verdicts:
            records.append({
                "ablation": name, "kind": "contrast", "target": x.contrast.name,
                "share": x.direction_share, "passes": x.holds, "mean_effect": x.mean_effect,
            })  # fmt: skip
        done = [r for r in records if r["ablation"] == name]
        print(
            f"  {name:15s} cases passing {sum(r['passes'] for r in done if r['kind'] == 'case')}/6, "
            f"contrasts holding {sum(r['passes'] for r in done if r['kind'] == 'contrast')}/"
            f"{len(contrasts.contrasts)}  ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    df = pd.DataFrame(records)
    full = df[df.ablation == "none"].set_index("target")["passes"]
    df["breaks"] = [bool(full.get(t, False)) and not p for t, p in zip(df.target, df.passes)]
    path = out / "ablation.csv"
    if path.exists() and set(args.ablate) != set(ABLATIONS):
        old = pd.read_csv(path)  # add to an earlier table rather than lose its rows
        df = pd.concat([old[~old.ablation.isin(df.ablation.unique())], df], ignore_index=True)
    df.to_csv(path, index=False, float_format="%.4g")
    print("\nWhat each ablation breaks (passing with the full model, failing without it):")
    needs = {}
    for name in df.ablation.unique():
        if name == "none":
            continue
        broken = df[(df.ablation == name) & df.breaks].target.tolist()
        needs[name] = broken
        print(f"  {name:15s} {', '.join(broken) if broken else '- nothing needs it'}")
    plot_ablation(df, out / "ablation.png")
    _provenance(out, "ablation", args)
    print(f"wrote {path}, {out}/ablation.png")
    return 0


def plot_ablation(df: pd.DataFrame, path: Path) -> Path:
    """Ablations (rows) x cases and contrasts (columns): green passes/holds, red fails; a black
    frame where the full model passes and the ablation breaks it."""
    names = list(dict.fromkeys(df.ablation))
    targets = list(dict.fromkeys(df.target))
    grid = df.pivot_table(index="ablation", columns="target", values="passes", aggfunc="first")
    grid = grid.reindex(index=names, columns=targets).astype(float)
    breaks = df.pivot_table(index="ablation", columns="target", values="breaks", aggfunc="first")
    breaks = breaks.reindex(index=names, columns=targets).fillna(False).astype(bool)
    fig, ax = plt.subplots(figsize=(0.42 * len(targets) + 3, 0.38 * len(names) + 2.6))
    cmap = plt.matplotlib.colors.ListedColormap(["#f4a582", "#92c5de"])
    ax.imshow(grid.to_numpy(), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i, j in itertools.product(range(len(names)), range(len(targets))):
        if breaks.iloc[i, j]:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, color="black"))
    ax.set_xticks(range(len(targets)))
    ax.set_xticklabels(targets, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(["full model" if n == "none" else f"without {n}" for n in names], fontsize=8)
    n_cases = int((df[df.ablation == names[0]].kind == "case").sum())
    ax.axvline(n_cases - 0.5, color="black", lw=1.5)
    ax.set_title(
        "Ablations: blue passes/holds, orange fails; framed: broken by the ablation\n"
        "(left of the line: the six cases; right: the contrasts)", fontsize=9,
    )  # fmt: skip
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return path


# ---------------------------------------------------------------------------------------------
# the null model

NULL_FIT_REPS = 10  # runs per case and parameter set in the null's fit (fewer when --reps is)


def null(args, out: Path, contrasts) -> int:
    from qisim.null import GRID, NullParams

    t0 = time.perf_counter()
    fit_reps = min(NULL_FIT_REPS, args.reps)
    fit_seed = args.seed + args.reps  # the seeds after the judged ones
    fit = []
    for combo in itertools.product(*GRID.values()):
        params = NullParams(**dict(zip(GRID, combo)))
        tasks = v.case_tasks(model="null", null_params=params.items())
        rows = v.run_tasks(tasks, fit_reps, fit_seed, 1)
        table = case_table(rows)
        fit.append({
            **dict(zip(GRID, combo)),
            "cases_passing": sum(t["pass"] for t in table),
            "mean_share_reproducing": float(np.mean([t["share_reproducing"] for t in table])),
        })  # fmt: skip
    fit_df = pd.DataFrame(fit).sort_values(
        ["cases_passing", "mean_share_reproducing"], ascending=False
    )
    fit_df.to_csv(out / "null_fit.csv", index=False, float_format="%.4g")
    best = NullParams(**{k: float(fit_df.iloc[0][k]) for k in GRID})
    print(
        f"null fitted on {fit_reps} runs per case over {len(fit)} parameter sets "
        f"(seeds {fit_seed} to {fit_seed + fit_reps - 1}, not the judged ones): {best}"
    )
    null_cases, null_verdicts = cases_and_contrasts(
        contrasts, args.reps, args.seed, 1, model="null", null_params=best.items()
    )
    full_csv, contrast_csv = out / "validation.csv", out / "contrasts.csv"
    # the full model's results on the same seeds: from this folder when `qisim validate` (and
    # --contrasts) wrote them there, else run now
    if full_csv.exists() and _same_runs(out / "provenance_cases.json", args):
        full_cases = pd.read_csv(full_csv).to_dict("records")
        print(f"full model's cases read from {full_csv}")
    else:
        full_cases = case_table(v.run_tasks(v.case_tasks(), args.reps, args.seed, args.workers))
    if contrast_csv.exists() and _same_runs(out / "provenance_contrasts.json", args):
        full_contrasts = pd.read_csv(contrast_csv).to_dict("records")
        print(f"full model's contrasts read from {contrast_csv}")
    else:
        full_contrasts = contrast_rows(
            run_contrasts(contrasts, args.reps, args.seed, args.workers)[1]
        )
    records = []
    for f, n in zip(full_cases, null_cases):
        records.append({
            "kind": "case", "target": n["case"], "full_share": f["share_reproducing"],
            "full_passes": bool(f["pass"]), "null_share": n["share_reproducing"],
            "null_passes": n["pass"],
        })  # fmt: skip
    for f, n in zip(full_contrasts, null_verdicts):
        records.append({
            "kind": "contrast", "target": n.contrast.name, "full_share": f["direction_share"],
            "full_passes": bool(f["holds"]), "null_share": n.direction_share,
            "null_passes": n.holds,
        })  # fmt: skip
    df = pd.DataFrame(records)
    df.to_csv(out / "null.csv", index=False, float_format="%.4g")
    for kind in ("case", "contrast"):
        d = df[df.kind == kind]
        print(
            f"{kind}s: full model {int(d.full_passes.sum())}/{len(d)}, "
            f"null {int(d.null_passes.sum())}/{len(d)}; both: "
            f"{', '.join(d[d.full_passes & d.null_passes].target) or '-'}"
        )
    plot_null(df, out / "null.png")
    (out / "null_params.json").write_text(json.dumps(best.__dict__, indent=2) + "\n")
    _provenance(out, "null", args)
    print(
        f"wrote {out}/null.csv, null_fit.csv, null_params.json, null.png ({time.perf_counter() - t0:.0f} s)"
    )
    return 0


def _same_runs(provenance: Path, args) -> bool:
    """Whether results in the folder came from the same runs (reps, seed, classes, contrasts)."""
    if not provenance.exists():
        return False
    p = json.loads(provenance.read_text())
    return (
        p.get("reps") == args.reps
        and p.get("seed") == args.seed
        and p.get("classes_sha256") == v.TARGETS.sha256
        and p.get("contrasts_sha256") == v.file_hash(v.CONTRASTS_FILE)
    )


def plot_null(df: pd.DataFrame, path: Path) -> Path:
    """Full model against the null: cases (share of runs in the report's class) and contrasts
    (share of pairs in the report's direction); filled markers pass/hold."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [1, 2.4]})
    for ax, kind, ylabel in (
        (axes[0], "case", "share of runs in the report's class"),
        (axes[1], "contrast", "share of pairs in the report's direction"),
    ):
        d = df[df.kind == kind].reset_index(drop=True)
        x = np.arange(len(d))
        for col, colour, dx, label in (
            ("full", "#08519c", -0.15, "full model"),
            ("null", "#e6550d", 0.15, "null model"),
        ):
            passes = d[f"{col}_passes"].astype(bool).to_numpy()
            ax.scatter(
                x[passes] + dx,
                d[f"{col}_share"][passes],
                color=colour,
                s=45,
                label=f"{label} (passes)",
            )
            ax.scatter(
                x[~passes] + dx,
                d[f"{col}_share"][~passes],
                facecolors="none",
                edgecolors=colour,
                s=45,
                label=f"{label} (fails)",
            )
        ax.axhline(0.8, color="grey", ls=":", lw=1)
        ax.set_xticks(x)
        ax.set_xticklabels(d.target, rotation=70, ha="right", fontsize=7)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(ylabel)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "What a ward-level diffusion null model, fitted to the cases, also reproduces", fontsize=11
    )
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return path


# ---------------------------------------------------------------------------------------------
# robustness


def robustness(folder: Path, out: Path) -> int:
    """Classify every run of the six robustness sweeps, judge each design point by the
    two-sided rule over its replications, and screen which inputs decide a pass (Morris mu* of
    the per-point pass indicator)."""
    from qisim.scenario import ScenarioError
    from qisim.sweep import sensitivity
    from qisim.sweep.storage import Store

    summary, indices, meta = [], [], {}
    pass_by_point = {}
    for case in v.CASES:
        path = folder / case.name
        if not (path / "manifest.json").exists():
            raise ScenarioError(
                f"{path}: no robustness sweep there. Run "
                f"`qisim sweep experiments/robustness/{case.name}.toml` first."
            )
        store = Store(path)
        manifest = store.manifest()
        name = (manifest.get("experiment") or {}).get("name")
        if name != f"robustness_{case.name}":
            raise ScenarioError(
                f"{path}: holds the sweep {name!r}, not this case's robustness sweep "
                f"'robustness_{case.name}'. Run `qisim sweep experiments/robustness/"
                f"{case.name}.toml --out {path}` (after moving the other sweep away)."
            )
        runs = store.read("runs")
        runs = runs[runs["error"].isna()] if "error" in runs else runs
        runs = runs.assign(cls=[v.classify(r) for r in runs.to_dict("records")])
        n_points = manifest["n_points"]
        verdicts = {}
        for point, g in runs.groupby("point"):
            verdicts[point] = v.case_verdict(case, g["cls"])
        passed = np.array(
            [verdicts[p].passed if p in verdicts else np.nan for p in range(n_points)], float
        )
        share = np.array(
            [verdicts[p].expected_share if p in verdicts else np.nan for p in range(n_points)],
            float,
        )
        pass_by_point[case.name] = passed
        done = ~np.isnan(passed)
        k, n = int(np.nansum(passed)), int(done.sum())
        lo, hi = wilson(k, n, 0.9)
        run_share = float((runs["cls"] == case.expected).mean())
        summary.append({
            "case": case.name, "expected": case.expected, "points": n, "points_planned": n_points,
            "runs": len(runs), "p_pass": k / n if n else float("nan"), "p_pass_p05": lo,
            "p_pass_p95": hi, "runs_in_expected_class": run_share,
            "mean_point_share": float(np.nanmean(share)),
        })  # fmt: skip
        keys = ("git", "qisim_version", "model_fingerprint", "root_seed", "started", "python")
        meta[case.name] = {
            **{k2: manifest.get(k2) for k2 in keys if k2 in manifest},
            "runs": manifest.get("n_runs"),
            "packages": manifest.get("packages"),
            "sessions": manifest.get("sessions"),
        }
        names = manifest["uncertainties"]
        problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
        design = store.design().sort_values("point")
        y = np.nan_to_num(share, nan=float(np.nanmean(share)))
        if n == n_points and np.ptp(y) > 0:
            # the sweeps' own Morris analysis (effects divided by each input's real step)
            for nm, st in sensitivity._morris(problem, design, manifest, y, seed=0):
                indices.append({"case": case.name, "input": nm, "mu_star": st["mu_star"],
                                "mu_star_conf": st["mu_star_conf"], "sigma": st["sigma"]})  # fmt: skip
    df = pd.DataFrame(summary)
    df.to_csv(out / "robustness.csv", index=False, float_format="%.4g")
    ind = pd.DataFrame(indices)
    ind.to_csv(out / "robustness_indices.csv", index=False, float_format="%.4g")
    product = float(np.prod(df["p_pass"]))
    for r in summary:
        print(
            f"  {r['case']:40s} P(pass) {r['p_pass']:.2f} [{r['p_pass_p05']:.2f}, {r['p_pass_p95']:.2f}] over {r['points']} points; runs in class {r['runs_in_expected_class']:.0%}"
        )
    print(f"  all six pass (product of the six, the designs differ per case): {product:.3f}")
    (out / "robustness_meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    plot_robustness(df, ind, out / "robustness.png")
    (out / "robustness.md").write_text(robustness_markdown(df, ind, product))
    print(f"wrote {out}/robustness.csv, robustness_indices.csv, robustness.md, robustness.png")
    return 0


def robustness_markdown(df: pd.DataFrame, ind: pd.DataFrame, product: float) -> str:
    lines = [
        "| case | report's class | design points | P(pass) [90% Wilson] | runs in the report's class | inputs it moves with most (Morris mu* ± 95% half-width, top 5) |",
        "|---|---|---|---|---|---|",
    ]
    for r in df.to_dict("records"):
        top = ind[ind.case == r["case"]].nlargest(5, "mu_star") if not ind.empty else ind
        tops = (
            ", ".join(
                f"{t.input.removeprefix('constants.')} {t.mu_star:.2f} ± {t.mu_star_conf:.2f}"
                for t in top.itertuples()
            )
            or "-"
        )
        lines.append(
            f"| {r['case']} | {r['expected'].replace('_', ' ')} | {r['points']} | {r['p_pass']:.2f} "
            f"[{r['p_pass_p05']:.2f}, {r['p_pass_p95']:.2f}] | {r['runs_in_expected_class']:.0%} | {tops} |"
        )
    lines.append("")
    # a Morris design has (inputs + 1) points per trajectory
    inputs = ind.groupby("case").size() if not ind.empty else pd.Series(dtype=int)
    per = sorted(
        {
            round(r["points"] / (inputs[r["case"]] + 1))
            for r in df.to_dict("records")
            if r["case"] in inputs
        }
    )
    many = f"{per[0]}" if len(per) == 1 else f"{per[0]}-{per[-1]}" if per else "few"
    lines.append(
        "mu* is the mean absolute elementary effect of an input (per unit of its range) on the "
        f"share of a point's runs in the report's class. With {many} trajectories most intervals "
        "are wider than mu* itself: the inputs named are leads, not findings."
    )
    lines.append("")
    lines.append(
        f"All six passing together: about {product:.3f} (the product of the six probabilities; "
        "each case has its own design, so the joint share is not sampled directly)."
    )
    return "\n".join(lines) + "\n"


def plot_robustness(df: pd.DataFrame, ind: pd.DataFrame, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.5), gridspec_kw={"width_ratios": [1, 1.6]})
    ax = axes[0]
    y = np.arange(len(df))
    ax.errorbar(
        df.p_pass, y, xerr=[df.p_pass - df.p_pass_p05, df.p_pass_p95 - df.p_pass],
        fmt="o", color="#08519c", capsize=3,
    )  # fmt: skip
    ax.axvline(0.7, color="grey", ls=":", lw=1)
    ax.text(0.7, -0.6, " 0.7", color="grey", fontsize=7, va="bottom")
    ax.set_yticks(y)
    ax.set_yticklabels(df.case, fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.invert_yaxis()
    ax.set_xlabel("P(case passes) over the constants' and ASSUMPTION ranges (90% interval)")
    ax = axes[1]
    if not ind.empty:
        top = ind.sort_values("mu_star", ascending=False).groupby("case").head(5)
        labels = [
            f"{c.split('_', 1)[1][:18]}: {i.removeprefix('constants.')}"
            for c, i in zip(top.case, top.input)
        ]
        low = np.minimum(top.mu_star, top.mu_star_conf)  # mu* >= 0: the bar stops at 0
        ax.barh(range(len(top)), top.mu_star, xerr=[low, top.mu_star_conf], color="#6baed6")
        ax.set_yticks(range(len(top)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("Morris mu* of the share of a point's runs in the report's class")
    ax.set_title(
        "inputs each case moves with most (top 5; 95% intervals: leads, not findings)", fontsize=9
    )
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return path


def joint(args, out: Path) -> int:
    """The six cases at the same constants, so the share of the constants' space where all six
    pass is sampled directly (the per-case robustness sweeps each have their own design):
    ``args.joint`` Latin-hypercube points (scipy, seeded by ``args.seed``) over every mechanism
    constant at 0.5-1.5 times its default, clipped to its declared range; each case runs
    ``args.reps`` times at each point (seeds ``seed + r``) and is judged by the two-sided rule.
    Writes joint.csv (a row per point: its constants, each case's share in the report's class
    and pass), joint.md and provenance_joint.json; prints each case's P(pass) with a 90% Wilson
    interval and the share of points where all six pass."""
    from dataclasses import fields

    from scipy.stats import qmc

    from qisim.constants import DEFAULT_CONSTANTS, Constants

    t0 = time.perf_counter()
    names, lower, upper = [], [], []
    for f in fields(Constants):
        default = getattr(DEFAULT_CONSTANTS, f.name)
        lo, hi = (
            max(f.metadata["range"][0], 0.5 * default),
            min(f.metadata["range"][1], 1.5 * default),
        )
        if hi > lo:
            names.append(f.name)
            lower.append(lo)
            upper.append(hi)
    unit = qmc.LatinHypercube(len(names), rng=np.random.default_rng(args.seed)).random(args.joint)
    points = qmc.scale(unit, lower, upper)
    tasks = []
    for row in points:
        k = tuple((n, float(x)) for n, x in zip(names, row, strict=True))
        tasks += [v.Task(c.file, detail=False, constants=k) for c in v.CASES]
    rows = v.run_tasks(tasks, args.reps, args.seed, args.workers)
    by_arm: dict[int, list[str]] = {}
    for r in rows:
        by_arm.setdefault(r["arm"], []).append(r["cls"])
    n_cases = len(v.CASES)
    table = pd.DataFrame(points, columns=names)
    table.index.name = "point"
    for j, case in enumerate(v.CASES):
        verdicts = [v.case_verdict(case, by_arm[p * n_cases + j]) for p in range(len(points))]
        table[f"share.{case.name}"] = [x.expected_share for x in verdicts]
        table[f"pass.{case.name}"] = [x.passed for x in verdicts]
    passes = table.filter(like="pass.")
    all_six = passes.all(axis=1)
    lines = [
        f"The six cases at the same constants: {len(points)} Latin-hypercube points over "
        f"{len(names)} mechanism constants at 0.5-1.5 x their defaults, {args.reps} runs per "
        f"case at each ({len(rows):,} runs, seed {args.seed}).",
        "",
        "| case | P(pass) [90% Wilson] | mean share of runs in the report's class |",
        "|---|---|---|",
    ]
    for case in v.CASES:
        k, n = int(passes[f"pass.{case.name}"].sum()), len(points)
        lo, hi = wilson(k, n, 0.9)
        lines.append(
            f"| {case.name} | {k / n:.2f} [{lo:.2f}, {hi:.2f}] | "
            f"{table[f'share.{case.name}'].mean():.0%} |"
        )
    k = int(all_six.sum())
    lo, hi = wilson(k, len(points), 0.9)
    lines += [
        "",
        f"All six pass together at {k} of {len(points)} points: {k / len(points):.2f} "
        f"[{lo:.2f}, {hi:.2f}].",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    table.to_csv(out / "joint.csv", float_format="%.6g")
    (out / "joint.md").write_text(text)
    _provenance(out, "joint", args)
    print(f"wrote {out}/joint.csv, joint.md ({time.perf_counter() - t0:.0f} s)")
    return 0


def _provenance(out: Path, kind: str, args) -> None:
    """A small JSON of what produced the outputs: the command's options, the classes' and
    contrasts' hashes, the code version."""
    import sys

    from qisim.sweep.storage import git_commit, model_fingerprint, package_versions

    data = {
        "kind": kind,
        "argv": sys.argv,
        "reps": args.reps,
        "seed": args.seed,
        "classes_sha256": v.TARGETS.sha256,
        "contrasts_sha256": v.file_hash(v.CONTRASTS_FILE),
        "code": git_commit(),
        "model_fingerprint": model_fingerprint(),
        "packages": package_versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (out / f"provenance_{kind}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
