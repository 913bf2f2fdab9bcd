#!/usr/bin/env bash
# size.sh: binary size, cold build time and per-process cost of
# cmd/enidetach against the official SDK's equivalent (cmd/sdkdetach:
# config.LoadDefaultConfig + ec2.NewFromConfig + one call).
#
#   bash internal/sdkcompare/size.sh          # full: cold builds with an empty GOCACHE
#   QUICK=1 bash internal/sdkcompare/size.sh  # CI: warm builds, fewer runs
#
# Both programs make one DetachNetworkInterface dry run against a local
# ec2test endpoint (examples/local -serve), with the same environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-21}"
if [ -n "${QUICK:-}" ]; then runs="${RUNS:-5}"; fi
work="$(mktemp -d)"
trap 'kill "${fake_pid:-}" 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

build() { # name dir pkg out
  local start end
  start=$(date +%s.%N)
  if [ -n "${QUICK:-}" ]; then
    (cd "$2" && go build -trimpath -ldflags "-s -w" -o "$4" "$3")
  else
    (cd "$2" && GOCACHE="$work/gocache-$1" GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$4" "$3")
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

echo "go: $(go version)"
echo "machine: $(nproc) cores, $(uname -m)"
t_ours=$(build ours "$root" ./cmd/enidetach "$work/enidetach")
t_sdk=$(build sdk "$here" ./cmd/sdkdetach "$work/sdkdetach")
(cd "$root" && go build -o "$work/local" ./examples/local)

port=$(( 20000 + RANDOM % 20000 ))
"$work/local" -serve "127.0.0.1:$port" >"$work/serve.json" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$work/serve.json" ] && break; sleep 0.1; done
endpoint="http://127.0.0.1:$port"

# One environment for both: keys of the fake, nothing else of this machine.
envrun() {
  env -i PATH=/usr/bin:/bin HOME="$work" AWS_ACCESS_KEY_ID=AKIAEC2TESTEXAMPLE01 \
    AWS_SECRET_ACCESS_KEY=ec2test/secret/key/for/local/tests/only AWS_EC2_METADATA_DISABLED=true "$@"
}

measure() { # binary -> "median_ms median_rss_kib"
  local ms rss
  : >"$work/ms"; : >"$work/rss"
  for _ in $(seq "$runs"); do
    envrun /usr/bin/time -f "%e %M" -o "$work/t" "$1" -attachment-id eni-attach-0123456789abcdef0 -dry-run \
      -region us-east-1 -endpoint "$endpoint" >/dev/null
    awk '{print $1*1000}' "$work/t" >>"$work/ms"
    awk '{print $2}' "$work/t" >>"$work/rss"
  done
  ms=$(median <"$work/ms"); rss=$(median <"$work/rss")
  echo "$ms $rss"
}

# Wall time per process at millisecond resolution from /usr/bin/time is too
# coarse for a few ms; time the whole loop as well.
loop_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do
    envrun "$1" -attachment-id eni-attach-0123456789abcdef0 -dry-run -region us-east-1 -endpoint "$endpoint" >/dev/null
  done
  end=$(date +%s%N)
  echo "scale=2; ($end - $start) / 1000000 / $runs" | bc
}

read -r _ rss_ours < <(measure "$work/enidetach")
read -r _ rss_sdk < <(measure "$work/sdkdetach")
ms_ours=$(loop_ms "$work/enidetach")
ms_sdk=$(loop_ms "$work/sdkdetach")
size_ours=$(stat -c %s "$work/enidetach")
size_sdk=$(stat -c %s "$work/sdkdetach")

ratio() { echo "scale=2; $1 / $2" | bc; }
printf '%-34s %14s %14s %8s\n' "" "enidetach" "sdk" "ratio"
printf '%-34s %14s %14s %8s\n' "stripped binary (bytes)" "$size_ours" "$size_sdk" "$(ratio "$size_ours" "$size_sdk")"
label="build time, empty GOCACHE (s)"
if [ -n "${QUICK:-}" ]; then label="build time, warm GOCACHE (s)"; fi
printf '%-34s %14.2f %14.2f %8s\n' "$label" "$t_ours" "$t_sdk" "$(ratio "$t_ours" "$t_sdk")"
printf '%-34s %14s %14s %8s\n' "one-call process, mean (ms)" "$ms_ours" "$ms_sdk" "$(ratio "$ms_ours" "$ms_sdk")"
printf '%-34s %14s %14s %8s\n' "one-call process, peak RSS (KiB)" "$rss_ours" "$rss_sdk" "$(ratio "$rss_ours" "$rss_sdk")"
echo "($runs runs each; RSS is the median of /usr/bin/time's maximum resident set size)"
