#!/usr/bin/env bash
# 1 rank × 1 thread against N ranks × 1 thread under mpirun, in interleaved rounds, on
# - `slice`: the 41×41 digits slice (experiments/slice_digits.toml), which first trains
#   its center (60 epochs of SGD, on rank 0 alone);
# - `saved`: the same slice around the center the first `slice` run saved (its config
#   with `[model] weights` in place of `[train]`), so the run is the sweep;
# - `batch`: the 12-run batch-size study (experiments/batch_size_digits.toml).
# Prints each run's wall time (mpirun's start-up included), the run's own `seconds` and,
# for slices, `sweep_seconds` (from summary.json), and rank 0's note on how the work was
# shared; then the medians and the speed-ups, and checks that every .npy and
# .safetensors file of the N-rank runs is byte for byte that of the one-process run.
#
#   cargo build --release --features mpi
#   benches/mpi_scaling.sh [ROUNDS=3] [RANKS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
ranks=${2:-2}
bin=$PWD/target/release/losscape
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --allow-run-as-root --oversubscribe -np "$ranks")

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1/summary.json" "$2"; }

# run NAME CONFIG MODE ROUND: one run, one line of results.
run() {
    local name=$1 config=$2 mode=$3 round=$4
    local out=$work/$name-$mode-$round
    local start end
    start=$(date +%s.%N)
    if [ "$mode" = one ]; then
        "$bin" run "$config" --out "$out" --threads 1 --quiet >/dev/null
    else
        "${mpirun[@]}" "$bin" run "$config" --out "$out" --threads 1 >/dev/null 2>"$out.err"
    fi
    end=$(date +%s.%N)
    local sweep=-
    [ "$name" = batch ] || sweep=$(field "$out" sweep_seconds)
    printf '%s\t%s\t%s\t%.3f\t%.3f\t%s\n' "$name" "$mode" "$round" \
        "$(echo "$end - $start" | bc)" "$(field "$out" seconds)" "$sweep" >>"$work/times.tsv"
    printf '%-6s %-4s round %s: wall %.2f s, run %.2f s, sweep %s s\n' "$name" "$mode" "$round" \
        "$(echo "$end - $start" | bc)" "$(field "$out" seconds)" "$sweep"
    [ "$mode" = one ] || grep -h "shared among" "$out.err" | sed 's/^/    /'
}

saved=$work/saved.toml
for r in $(seq 1 "$rounds"); do
    run slice experiments/slice_digits.toml one "$r"
    run slice experiments/slice_digits.toml mpi "$r"
    if [ "$r" = 1 ]; then
        sed -e '/^\[train\]/,/^$/d' -e 's/^name = .*/name = "slice_digits_saved"/' \
            -e "s|^\[model\]|[model]\nweights = \"$work/slice-one-1/center.safetensors\"|" \
            -e 's/^center = "trained"/center = "weights"/' experiments/slice_digits.toml >"$saved"
    fi
    run saved "$saved" one "$r"
    run saved "$saved" mpi "$r"
    run batch experiments/batch_size_digits.toml one "$r"
    run batch experiments/batch_size_digits.toml mpi "$r"
done

python3 - "$work/times.tsv" "$ranks" <<'EOF'
import sys, statistics as st
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"\nmedians of {len(rows) // 6} rounds: 1 rank × 1 thread against {sys.argv[2]} ranks × 1 thread")
for name in ["slice", "saved", "batch"]:
    for col, label in [(3, "wall"), (4, "run"), (5, "sweep")]:
        one = [float(r[col]) for r in rows if r[0] == name and r[1] == "one" and r[col] != "-"]
        mpi = [float(r[col]) for r in rows if r[0] == name and r[1] == "mpi" and r[col] != "-"]
        if one and mpi:
            a, b = st.median(one), st.median(mpi)
            print(f"  {name:6} {label:6} {a:8.2f} s  {b:8.2f} s  speed-up {a / b:.2f}")
EOF

differ=0
compared=0
for one in "$work"/*-one-*/; do
    for mpi in "${one/-one-/-mpi-}"; do
        while IFS= read -r f; do
            compared=$((compared + 1))
            cmp -s "$one/$f" "$mpi/$f" || { echo "differs: $mpi$f"; differ=1; }
        done < <(cd "$one" && find . -name '*.npy' -o -name '*.safetensors')
    done
done
[ "$differ" = 0 ] && echo "all $compared .npy and .safetensors files byte-identical to the one-process runs"
exit "$differ"
