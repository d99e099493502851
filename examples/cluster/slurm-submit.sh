#!/usr/bin/env bash
# Slurm: queue the shards (an array job) and, after them, the merge and the report. Run it
# from the repository's top folder (or wherever examples/cluster/ and results/ should be).
#
#   examples/cluster/slurm-submit.sh            4 shards
#   SHARDS=16 examples/cluster/slurm-submit.sh  16 shards (the array's size is set here)
set -euo pipefail
shards=${SHARDS:-4}
# Slurm does not create the folder of --output; the scripts' logs go there.
mkdir -p results/slurm results/shards
array=$(sbatch --parsable --array="1-$shards" examples/cluster/slurm-sweep.sbatch)
array=${array%%;*}  # --parsable prints "id" or "id;cluster"
sbatch --dependency="afterany:$array" --export=ALL,SHARDS="$shards" examples/cluster/slurm-merge.sbatch
echo "queued: shards $array (1-$shards), then the merge; results in results/sweep.ndjson and results/report.html"
