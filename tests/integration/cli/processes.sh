# shellcheck shell=bash
# Sourced by the scripts here that run real processes: a temporary directory and a list of pids,
# both cleaned up on exit (every pid SIGKILLed, the directory removed), and a wait for a file to
# be written (a port file, say).
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_for_file() {
  for _ in $(seq 1 500); do [[ -s "$1" ]] && return 0; sleep 0.02; done
  echo "timed out waiting for $1" >&2
  return 1
}
