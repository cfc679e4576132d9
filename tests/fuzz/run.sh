#!/usr/bin/env bash
# Builds the fuzz targets (build-fuzz/, clang, ASan + UBSan + libFuzzer), writes the seed corpus,
# and runs each target for SECONDS. Prints per target: executions, corpus size, findings, status.
# Exits non-zero when any target finds something (crash, abort, sanitizer report, leak, timeout,
# out-of-memory) or fails to start.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]     e.g. tests/fuzz/run.sh 20
#                                                  tests/fuzz/run.sh 600 fuzz_image fuzz_idx
#   tests/fuzz/run.sh SECONDS --quick         every target but fuzz_cli, whose build is the whole
#                                             tool (about 10 CPU-minutes more); what CI runs
#
# Environment: FUZZ_JOBS (targets run at once, default 1), FUZZ_RSS_MB (default 2048),
# FUZZ_TIMEOUT (seconds one input may take, default 10), FUZZ_SKIP_BUILD=1 (use build-fuzz as is).
#
# Inputs that grow coverage accumulate in build-fuzz/fuzz-corpus/<target> (kept between local
# runs, fresh in CI); findings are written to build-fuzz/fuzz-findings/<target>/ and the full log
# of each run to build-fuzz/fuzz-logs/<target>.log. Reproduce a finding with
#   build-fuzz/fuzz/<target> build-fuzz/fuzz-findings/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: tests/fuzz/run.sh SECONDS [TARGET... | --quick]" >&2
  exit 2
fi
seconds=$1
shift
all_targets=(fuzz_idx fuzz_idx_gz fuzz_image fuzz_data_folder fuzz_packed fuzz_checkpoint
             fuzz_safetensors fuzz_arch_json fuzz_cli)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
if [ "${targets[*]}" = --quick ]; then
  targets=()
  for t in "${all_targets[@]}"; do [ "$t" = fuzz_cli ] || targets+=("$t"); done
fi
jobs=${FUZZ_JOBS:-1}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout_s=${FUZZ_TIMEOUT:-10}
build=build-fuzz

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  scripts/setup.sh
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DALEXNET_VK_FUZZ=ON -DALEXNET_VK_TESTS=OFF \
    >/dev/null
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" make_corpus
fi

# Seeds are regenerated every run (they are cheap); discoveries live in fuzz-corpus/.
rm -rf "$build/fuzz-seeds"
"$build/fuzz/make_corpus" "$build/fuzz-seeds" >/dev/null
mkdir -p "$build/fuzz-logs"

symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
  local t=$1 seeds corpus findings log extra=()
  seeds="$build/fuzz-seeds/${t#fuzz_}"
  corpus="$build/fuzz-corpus/$t"
  findings="$build/fuzz-findings/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$corpus" "$findings" "$seeds"
  # The data-folder and packed readers warn on stderr for every corrupt example; sanitizer reports
  # and libFuzzer's own output still get through (libFuzzer moves them to a duplicate of stderr).
  case $t in fuzz_data_folder | fuzz_packed) extra+=(-close_fd_mask=2) ;; esac
  case $t in
    fuzz_checkpoint | fuzz_safetensors | fuzz_arch_json) extra+=(-dict=tests/fuzz/json.dict) ;;
  esac
  local rc=0
  "$build/fuzz/$t" "$corpus" "$seeds" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" \
    -timeout="$timeout_s" -print_final_stats=1 -artifact_prefix="$findings/" "${extra[@]}" \
    >"$log" 2>&1 || rc=$?
  echo "$rc" >"$log.rc"
}

# Up to $jobs targets at once.
running=0
for t in "${targets[@]}"; do
  if [ ! -x "$build/fuzz/$t" ]; then
    echo "run.sh: no target $t (targets: ${all_targets[*]})" >&2
    exit 2
  fi
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
printf '%-18s %12s %9s %8s %9s  %s\n' target execs exec/s corpus findings status
for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  rc=$(cat "$log.rc" 2>/dev/null || echo 1)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  found=$(find "$build/fuzz-findings/$t" -maxdepth 1 -type f \
            \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
            -newer "$build/fuzz-seeds" | wc -l)
  if [ "$rc" = 0 ] && [ "$found" = 0 ]; then
    st=ok
  else
    st="FINDING (exit $rc; see $log)"
    status=1
  fi
  printf '%-18s %12s %9s %8s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${corp:-?}" "$found" "$st"
done
if [ "$status" != 0 ]; then
  echo
  echo "Findings (reproduce: $build/fuzz/<target> <file>):"
  find "$build/fuzz-findings" -type f -newer "$build/fuzz-seeds" | sort
  for t in "${targets[@]}"; do
    if [ "$(cat "$build/fuzz-logs/$t.log.rc" 2>/dev/null || echo 1)" != 0 ]; then
      echo "---- $t: end of log ----"
      tail -40 "$build/fuzz-logs/$t.log"
    fi
  done
fi
exit "$status"
