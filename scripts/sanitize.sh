#!/usr/bin/env bash
# Builds the CPU-side tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang, build-asan/)
# and runs them. Any sanitizer report fails the run: ASan aborts on the first error, UB is fatal
# (-fno-sanitize-recover=undefined), and LeakSanitizer checks every test process at exit.
#
#   scripts/sanitize.sh          CPU libraries and tests only (what CI runs):
#                                  reference_tests       the CPU reference and its gradient checks
#                                  data_tests            IDX, JPEG/PNG, image folders, augment, loader
#                                  sanitize_model_tests  tests/graph/arch_test.cpp, tests/io/checkpoint_test.cpp
#   scripts/sanitize.sh --full   also builds the whole tool (about 10 more CPU-minutes) and runs
#                                the model_tests and cli_tests that create no Vulkan instance
#
# No test here creates a Vulkan instance: drivers are not built with ASan and report leaks and
# uninstrumented accesses of their own, which would drown ours. The GPU side is covered by
# scripts/test.sh with the Vulkan validation layer instead.
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
case "${1:-}" in
  --full) full=1 ;;
  "") ;;
  *) echo "usage: scripts/sanitize.sh [--full]" >&2; exit 2 ;;
esac

scripts/setup.sh test
cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DALEXNET_VK_SANITIZE=ON -DALEXNET_VK_TESTS=ON >/dev/null
targets=(reference_tests data_tests sanitize_model_tests)
[ "$full" = 1 ] && targets+=(model_tests cli_tests)
cmake --build build-asan -j"$(nproc)" --target "${targets[@]}"

symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Each line: executable and its gtest filter.
runs=(
  "reference_tests *"
  "data_tests *"
  "sanitize_model_tests *"
)
if [ "$full" = 1 ]; then
  runs+=(
    "model_tests Arch.*:CheckpointFile.*"
    "cli_tests Cli.UnknownFlagIsOneLineAndExitsTwo:Cli.UnknownCommand:Cli.NoCommand:Cli.NonNumericDevice:Cli.HelpExitsZero:CliConventions.NoArgumentsPrintsTheHelp:CliConventions.HelpStatesTheExitCodes:CliConventions.VersionIsTheCMakeProjectVersion:Progress.BarFitsEveryWidth:Progress.NarrowTerminalsDropTheBarFirstAndKeepTheEta:Progress.PlainLinesOffATerminal:Progress.EtaCountsTheValidationPasses:Progress.PhaseIsALineOfItsOwn"
  )
fi

logs=build-asan/sanitize-logs
rm -rf "$logs"
mkdir -p "$logs"
# Two at a time: the reference gradient checks are the long pole.
pids=()
for r in "${runs[@]}"; do
  read -r exe filter <<<"$r"
  ( rc=0
    build-asan/tests/"$exe" --gtest_filter="$filter" >"$logs/$exe.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$exe.rc" ) &
  pids+=($!)
  if [ ${#pids[@]} -ge "$(nproc)" ]; then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
wait

status=0
for r in "${runs[@]}"; do
  read -r exe filter <<<"$r"
  rc=$(cat "$logs/$exe.rc")
  summary=$(grep -E '^\[  PASSED  \]|^\[  FAILED  \] [0-9]+ test' "$logs/$exe.log" | tr '\n' ' ')
  if [ "$rc" = 0 ]; then
    echo "sanitize: $exe: ok ($summary)"
  else
    echo "sanitize: $exe: FAILED (exit $rc) $summary"
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|^\[  FAILED  \]' "$logs/$exe.log" | head -20 || true
    echo "  full log: $logs/$exe.log"
    status=1
  fi
done
exit "$status"
