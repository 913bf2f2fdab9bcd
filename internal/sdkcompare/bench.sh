#!/usr/bin/env bash
# bench.sh: the full comparison of BENCHMARKS.md. Benchmarks of enidetach,
# the SDK, the bare-HTTP floor and the signed floor, 6 runs each in one
# process, summarised by benchstat (medians) and by the ratios of the per-call
# targets, then the connection count, size.sh, and the fleet benchmark
# (TestFleet's whole sweep, about 25 minutes; its table is printed
# at the end).
#
#   bash internal/sdkcompare/bench.sh            # everything
#   BENCH_PARTS=bench bash internal/sdkcompare/bench.sh   # the per-call benchmarks only
#   BENCH_PARTS=fleet bash internal/sdkcompare/bench.sh   # the fleet sweep only
#   ENIDETACH_FLEET='N=200/' BENCH_PARTS=fleet bash ...   # some fleet cases (a regexp)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
parts="${BENCH_PARTS:-bench fleet}"
if [[ " $parts " == *" bench "* ]]; then
benchstat="$(go env GOPATH)/bin/benchstat"
if [ ! -x "$benchstat" ]; then
  go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
go test -run '^$' -bench . -benchmem -count 6 -benchtime 3000x . | tee "$out" | grep -E '^(goos|goarch|cpu)' || true
"$benchstat" -col /.name "$out" 2>/dev/null || "$benchstat" "$out"
echo
# The per-call targets (DESIGN.md "Cost"): success <= 1.10 x the signed
# floor with no more allocations; the error path <= 1.35 x our success
# path and <= half the SDK's error path. Attach is held to the same.
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
med() { # benchmark/contender unit -> median of the six runs
  grep -E "^Benchmark$1-[0-9]+[[:space:]]" "$out" | awk -v u="$2" '{for (i = 2; i <= NF; i++) if ($i == u) print $(i-1)}' | median
}
for mode in "" Parallel; do
  ok=$(med "Detach$mode/enidetach" ns/op); floor=$(med "Detach$mode/signedfloor" ns/op)
  err=$(med "DetachError$mode/enidetach" ns/op); sdkerr=$(med "DetachError$mode/sdk" ns/op)
  printf 'Detach%-8s success / signed floor %.2f (<= 1.10), allocs %s vs %s (<=), error / success %.2f (<= 1.35), error / SDK error %.2f (<= 0.50)\n' \
    "$mode" "$(echo "$ok / $floor" | bc -l)" "$(med "Detach$mode/enidetach" allocs/op)" \
    "$(med "Detach$mode/signedfloor" allocs/op)" "$(echo "$err / $ok" | bc -l)" "$(echo "$err / $sdkerr" | bc -l)"
done
ok=$(med "Attach/enidetach" ns/op); floor=$(med "Attach/signedfloor" ns/op)
printf 'Attach         success / signed floor %.2f (<= 1.10), allocs %s vs %s (<=)\n' \
  "$(echo "$ok / $floor" | bc -l)" "$(med "Attach/enidetach" allocs/op)" "$(med "Attach/signedfloor" allocs/op)"
echo
go test -run TestNewConnections -v -count 1 . | grep -E 'new connections'
echo
bash "$here/size.sh"
fi
if [[ " $parts " == *" fleet "* ]]; then
  echo
  bash "$here/fleet.sh"
fi
