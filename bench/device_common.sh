# Shared by the device scripts (bench/device_check.sh, bench/device_split_check.sh): the output
# folder and its checks.txt log (with the machine's header), the tool's path, and `step`, which
# runs a command with a time limit and appends its output, a header and its exit status to a file.
# Source it from the repository root after setting `out`.

mkdir -p "$out"
tool=build/alexnet_vk
log="$out/checks.txt"
: >"$log"

step() {  # step SECONDS FILE COMMAND... : run with a limit, append a header and the exit status
  local limit=$1 file=$2; shift 2
  echo "### $* (limit ${limit}s)" >>"$file"
  local t0=$SECONDS
  timeout "$limit" "$@" >>"$file" 2>&1
  echo "### exit $? after $((SECONDS - t0)) s" >>"$file"
}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || true; uname -a; } >>"$log"
