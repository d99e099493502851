# The sweep every example in this folder runs, as btsim sweep flags (bash array; sourced).
# 2 designs x 2 CPU counts x 3 buffer sizes x 2 seeds = 24 small points, about 15 s on one
# core: a first try. Make it your study here; every shard must get the same flags, in the same
# order (the order decides which points each shard runs, and merge refuses mixed grids).
# The two YAML examples spell the same flags out: change them there too.
GRID=(
  --designs spare-swap,suspend-copy
  --param cpus=1,2
  --param bufferRecords=256,1024,4096
  --seeds 1,2
  --branches 20000
)
