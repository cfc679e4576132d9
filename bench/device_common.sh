# Shared by the device scripts (bench/device_check.sh, bench/device_split_check.sh): `step`, which
# runs a command with a time limit and appends its output, a header and its exit status to a file,
# and the machine header. Source it after setting `out` and `log`.

step() {  # step SECONDS FILE COMMAND... : run with a limit, append a header and the exit status
  local limit=$1 file=$2; shift 2
  echo "### $* (limit ${limit}s)" >>"$file"
  local t0=$SECONDS
  timeout "$limit" "$@" >>"$file" 2>&1
  echo "### exit $? after $((SECONDS - t0)) s" >>"$file"
}

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || true; uname -a; } >>"$log"
