#!/usr/bin/env bash
# GNU parallel: the sweep as SHARDS shards, JOBS of them at a time, on this machine (or on
# several: add -S 2/host1,2/host2 and give RESULTS on a filesystem they share), then the
# merge and the report.
#
#   examples/cluster/parallel.sh [RESULTS]          (default results/)
#   SHARDS=8 JOBS=4 examples/cluster/parallel.sh
#
# Run it again after an interruption: each shard goes on from the points its file holds.
# On one machine, `btsim sweep --jobs N` does the same without parallel; the shards are
# for spreading a sweep over machines.
set -euo pipefail
here=$(dirname "$0")
. "$here/grid.sh"
results=${1:-results}
shards=${SHARDS:-4}
mkdir -p "$results/shards"

# --quote: the flags reach btsim as they are (a --param value may be a JSON array).
# A shard that exits 1 (a point showed violations, or failed) does not stop the others,
# and the merge below still runs: it says how many points are missing.
status=0
parallel --quote --jobs "${JOBS:-2}" \
  btsim sweep --shard "{}/$shards" --out "$results/shards/shard-{}-of-$shards.ndjson" "${GRID[@]}" \
  ::: $(seq 1 "$shards") || status=$?

btsim merge "$results/sweep.ndjson" "$results"/shards/shard-*-of-"$shards".ndjson
btsim report "$results/sweep.ndjson" --html "$results/report.html"
exit "$status"
