#!/usr/bin/env bash
# bench.sh: the full comparison of BENCHMARKS.md. Benchmarks of enidetach,
# the SDK and the bare-HTTP floor, 6 runs each in one process, summarised
# by benchstat (medians), then the connection count and size.sh.
#
#   bash internal/sdkcompare/bench.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
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
go test -run TestNewConnections -v -count 1 . | grep -E 'new connections'
echo
bash "$here/size.sh"
