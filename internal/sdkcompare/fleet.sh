#!/usr/bin/env bash
# fleet.sh: the fleet benchmark's whole sweep (BENCHMARKS.md, "Fleets"):
# issue 23's cases on 20/20 and 100/20 buckets, each with the SDK beside it,
# and 1,000 jobs without throttling; about 20 minutes. Its table is printed
# at the end.
#
#   bash internal/sdkcompare/fleet.sh                                 # everything
#   ENIDETACH_FLEET='N=1000/fast/perjob/120s/b20/' bash internal/sdkcompare/fleet.sh   # some cases (a regexp)
set -euo pipefail
cd "$(dirname "$0")"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ) commit: $(git rev-parse --short HEAD) fleet: ${ENIDETACH_FLEET:-full}"
ENIDETACH_FLEET="${ENIDETACH_FLEET:-full}" go test -count 1 -run '^TestFleet$' -v -timeout 90m . |
  grep -E '^(\| |fleet table|    fleet_test)' | sed -n '/^fleet table/,$p'
