#!/usr/bin/env bash
# Re-make every results folder under results/ at one commit, with the commands each folder's
# README, manifest or provenance records (all but results/calibration*, which `qisim calibrate`
# makes, and results/benchmarks, which `make bench` makes). After a change to the model, run it
# at the final commit, then commit results/ (and update the numbers quoted in the READMEs and
# docs by hand); tests/test_results_version.py checks that every folder records the same model
# fingerprint as results/validation/provenance_cases.json.
#
# Usage, from the repository's top with qisim on PATH (`make results` does both):
#   experiments/rerun_all.sh                      every step, in order (about 2 hours on 2 cores)
#   experiments/rerun_all.sh validation plans     only those steps (in the order given)
#   experiments/rerun_all.sh -n [STEP...]         print the commands, run nothing
#
# Steps, in order, and the time each took at the calibrated model on 2 cores (issue 16; about
# 23 minutes in all):
#   validation   the six cases (and README.md's table), contrasts, null, ablations, the
#                six cases together over every constant (--joint)                 (~9 min)
#   robustness   the six robustness sweeps, then qisim validate --robustness      (~6 min)
#   ffit         how well FFIT predicts success in the model; the case studies    (~2 min)
#   plans        Enhanced care, Postural blood pressure, the example trust        (~2 min)
#   sweeps       the six example sweeps and their analyses                        (~5 min)
#   deviance     positive deviance on the Upsworth lesson                         (~5 s)
#   example      the example scenario's run (the README's figure)                 (~3 s)
#   app          the app's screenshots (needs playwright and /usr/bin/chromium)   (~22 s)
# A step that stops leaves the steps before it done: run the rest by name.
set -euo pipefail

STEPS=(validation robustness ffit plans sweeps deviance example app)
CASES=(
    premton_nurse_led_discharge premton_handover_at_night middleswick_enhanced_care
    middleswick_postural_blood_pressure upsworth_tissue_viability upsworth_unprofessional_behaviour
)
SWEEPS=(rollout_staffing initiativitis skills constants_sobol team_vs_enthusiasm_before
    team_vs_enthusiasm)
W=(--workers 2)
DRY=

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

fail() {
    echo "experiments/rerun_all.sh: $*" >&2
    exit 2
}

duration() { # seconds -> "1 h 05 min", "3 min 12 s", "12 s"
    local s=$1
    if ((s >= 3600)); then
        printf '%d h %02d min' $((s / 3600)) $((s % 3600 / 60))
    elif ((s >= 60)); then
        printf '%d min %02d s' $((s / 60)) $((s % 60))
    else
        printf '%d s' "$s"
    fi
}

# run CMD...: print the command, run it (unless -n) and print how long it took; its exit status
run() {
    echo "+ $(printf '%q ' "$@")"
    [[ -n $DRY ]] && return 0
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    echo "  ($(duration $((SECONDS - t0))))"
    return "$rc"
}

# saved FILE CMD...: run CMD, its printed output also written to FILE (the README's name for it)
saved() {
    local file=$1
    shift
    echo "+ $(printf '%q ' "$@")> $file"
    [[ -n $DRY ]] && return 0
    local t0=$SECONDS rc=0
    mkdir -p "$(dirname "$file")"
    "$@" | tee "$file" || rc=$?
    echo "  ($(duration $((SECONDS - t0))))"
    return "$rc"
}

# clear_folder DIR: delete an old output folder a command would refuse to write over (only under
# results/, never results/ itself)
clear_folder() {
    [[ $1 == results/?* && $1 != *..* ]] || fail "refusing to delete $1: not a folder under results/"
    echo "+ rm -rf $1"
    [[ -n $DRY ]] || rm -rf -- "$1"
}

step_validation() {
    # `qisim validate` exits 1 when a case fails the report: a result, not an error
    saved results/validation/validate_output.txt \
        qisim validate --reps 30 "${W[@]}" --out results/validation || {
        rc=$?
        ((rc == 1)) || exit "$rc"
        echo "  (a case fails the report: exit 1, recorded in validate_output.txt)"
    }
    # the README's table is the committed run's validation.md (tests/test_docs.py)
    run readme_validation_table
    saved results/validation/contrasts_output.txt \
        qisim validate --contrasts --reps 30 "${W[@]}" --out results/validation
    saved results/validation/null_output.txt \
        qisim validate --null --reps 30 "${W[@]}" --out results/validation
    saved results/validation/ablation_output.txt \
        qisim validate --ablate all --reps 10 "${W[@]}" --out results/validation
    # the six cases together over every constant: the share of the space where all six pass
    saved results/validation/joint_output.txt \
        qisim validate --joint 80 --reps 10 "${W[@]}" --out results/validation
}

# readme_validation_table: README.md's table between its validation markers := validation.md
readme_validation_table() {
    "$PY" - <<'EOF'
from pathlib import Path
readme, table = Path("README.md"), Path("results/validation/validation.md").read_text()
start, end = "<!-- validation:start -->\n", "<!-- validation:end -->"
head, rest = readme.read_text().split(start, 1)
readme.write_text(head + start + table + end + rest.split(end, 1)[1])
print(f"README.md: the validation table from validation.md ({len(table.splitlines())} lines)")
EOF
}

step_robustness() {
    local case
    for case in "${CASES[@]}"; do
        clear_folder "results/validation/robustness/$case"
        run qisim sweep "experiments/robustness/$case.toml" "${W[@]}" \
            --out "results/validation/robustness/$case"
    done
    saved results/validation/robustness_output.txt \
        qisim validate --robustness results/validation/robustness "${W[@]}" --out results/validation
}

step_ffit() {
    run qisim study ffit-validity "${W[@]}" --out results/ffit
    # docs/ffit.md, "Comparing scenarios": the six case studies, in the table's order
    local files=("${CASES[@]/#/scenarios/}")
    run qisim compare "${files[@]/%/.toml}" --reps 20 "${W[@]}" --out results/ffit \
        --name compare_case_studies
}

step_plans() {
    run qisim plan experiments/enhanced_care_rollout.toml "${W[@]}" --out results/plan/enhanced_care
    run qisim plan experiments/postural_bp_rollout.toml "${W[@]}" --out results/plan/postural_bp
    # the example trust (docs/plan.md, "Your own trust"): from-csv refuses to write over a
    # trust.toml, and writes plan.toml only where there is none, so start from an empty folder
    clear_folder results/plan/tamsford
    run qisim trust from-csv examples/trust/wards.csv --audit examples/trust/ffit_by_ward.csv \
        --name "Tamsford Hospitals NHS Trust" --start-date 2027-04-01 --out results/plan/tamsford
    run qisim plan results/plan/tamsford/plan.toml "${W[@]}" --pdf
    [[ -n $DRY || -f results/plan/tamsford/plan/report.pdf ]] ||
        fail "qisim plan --pdf wrote no report.pdf: install playwright and Chromium (.ci/install-browser)"
    # the README's picture of the board report
    run report_png results/plan/tamsford/plan/report.html results/plan/tamsford/report.png
}

# report_png HTML PNG: qisim.planning.html.report_png (Chromium through Playwright)
report_png() {
    "$PY" -c 'import sys
from pathlib import Path
from qisim.app.browser import NoBrowser
from qisim.planning.html import report_png
try:
    print(report_png(Path(sys.argv[1]), Path(sys.argv[2])))
except NoBrowser as exc:
    sys.exit(f"report.png: {exc}")' "$@"
}

# tolerant SWEEP CMD...: run an analysis of SWEEP; its refusal for a result that leaves nothing
# to analyse (an outcome that never or always occurs: no box to find; the same value at every
# design point: no variance to apportion) is recorded in SWEEP/NOT_ANALYSED.txt, with the
# command, instead of stopping the step
tolerant() {
    local sweep=$1 rc=0 err
    shift
    echo "+ $(printf '%q ' "$@")"
    [[ -n $DRY ]] && return 0
    err=$(mktemp)
    "$@" 2>"$err" || rc=$?
    cat "$err" >&2
    if ((rc == 2)) && grep -q "no box to find\|no variance to apportion" "$err"; then
        { echo "\$ $*"; cat "$err"; echo; } >>"$sweep/NOT_ANALYSED.txt"
        echo "  (nothing to analyse: recorded in $sweep/NOT_ANALYSED.txt)"
        rc=0
    fi
    rm -f "$err"
    return "$rc"
}

step_sweeps() {
    local name
    for name in "${SWEEPS[@]}"; do
        clear_folder "results/sweeps/$name"
        run qisim sweep "experiments/$name.toml" "${W[@]}" --out "results/sweeps/$name"
    done
    # the analyses results/sweeps/README.md quotes (and each experiment file's comments)
    run qisim analyse results/sweeps/rollout_staffing
    # an outcome that never occurs, or never varies, leaves nothing to analyse: a result, not a
    # failure (tolerant records it)
    tolerant results/sweeps/rollout_staffing qisim discover results/sweeps/rollout_staffing \
        --outcome "habit_rate < 0.3"
    run qisim analyse results/sweeps/initiativitis
    tolerant results/sweeps/initiativitis qisim discover results/sweeps/initiativitis \
        --outcome "embedded_ward_fraction == 0"
    tolerant results/sweeps/skills qisim sensitivity results/sweeps/skills --outcome habit_rate
    tolerant results/sweeps/skills qisim sensitivity results/sweeps/skills \
        --outcome embedded_ward_fraction
    tolerant results/sweeps/constants_sobol qisim sensitivity results/sweeps/constants_sobol \
        --outcome habit_rate
    for name in skills constants_sobol; do
        run qisim analyse "results/sweeps/$name"
        # one replication per point: the runs table holds the per-point table (as committed
        # since 5d2d829)
        run rm -f "results/sweeps/$name/analysis/points.csv"
    done
    for name in team_vs_enthusiasm_before team_vs_enthusiasm; do
        run qisim analyse "results/sweeps/$name" --outcomes \
            practice_rate,practice_12m,embedded_12m,practice_6m,habit_rate,embedded_ward_fraction,days_after_launch,first_launch_day
    done
}

step_deviance() {
    saved results/deviance/report.txt qisim deviance \
        scenarios/lessons/upsworth_positive_deviant.toml --reps 30 "${W[@]}" --out results/deviance
}

step_example() {
    run qisim run scenarios/example.toml --out results/example
    # the daily table (a row per ward per day) is not kept: `make demo` writes it
    run rm -f results/example/daily.csv
}

step_app() {
    # each lesson run to the end, the compared view and its hand-out (qisim/app/browser.py)
    run "$PY" -m qisim.app.browser results/app
}

# --- main ------------------------------------------------------------------------------------
while (($#)) && [[ $1 == -* ]]; do
    case $1 in
    -n | --dry-run) DRY=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) fail "unknown option $1 (options: -n, -h)" ;;
    esac
    shift
done
selected=("$@")
((${#selected[@]})) || selected=("${STEPS[@]}")
for s in "${selected[@]}"; do
    [[ " ${STEPS[*]} " == *" $s "* ]] || fail "no step '$s'. Steps: ${STEPS[*]}"
done

[[ -f pyproject.toml && -d results && -d experiments ]] ||
    fail "run me from the repository's top (where pyproject.toml is)"
QISIM=$(command -v qisim) || fail "qisim is not on PATH: source .venv/bin/activate (or: make results)"
PY=$(dirname "$QISIM")/python
[[ -x $PY ]] || PY=python3
FINGERPRINT=$("$PY" -c 'from qisim.sweep.storage import model_fingerprint; print(model_fingerprint())')
echo "qisim: $QISIM; model fingerprint ${FINGERPRINT:0:16}; steps: ${selected[*]}"
if [[ -n $(git status --porcelain --untracked-files=no -- qisim scenarios experiments 2>/dev/null) ]]; then
    echo "warning: qisim/, scenarios/ or experiments/ has uncommitted changes: the results will" \
        "belong to no commit (their manifests say so)" >&2
fi

stopped() {
    local rc=$? i
    ((rc)) && [[ -n ${current:-} ]] || return 0
    for i in "${!selected[@]}"; do
        [[ ${selected[$i]} == "$current" ]] && break
    done
    echo "=== $current stopped (exit $rc); the steps before it are done. To go on:" \
        "experiments/rerun_all.sh ${selected[*]:$i}" >&2
}
trap stopped EXIT

t_all=$SECONDS
for current in "${selected[@]}"; do
    echo
    echo "=== $current ($(date -u +%H:%M) UTC)"
    t0=$SECONDS
    "step_$current"
    echo "=== $current: done in $(duration $((SECONDS - t0)))"
done
current=
echo
echo "all done in $(duration $((SECONDS - t_all))); check: python -m pytest tests/test_results_version.py"
