#!/usr/bin/env bash
# CMake's choice of I/O backend (CMakeLists.txt): io_uring where the configuring machine can make
# a ring, epoll where it cannot, epoll for ThreadSanitizer builds, and an explicit
# -DGOVERNOR_IO_URING always wins. The probe's answer is preset through its cache variable
# (GOVERNOR_KERNEL_ALLOWS_IO_URING), so both answers are tested on any machine. Each case
# configures a throwaway tree (no tests, no benchmarks, nothing built).
# Usage: io_backend_choice.sh CMAKE SOURCE_DIR
set -uo pipefail
cmake=$1
source_dir=$2
# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh" # $tmp, removed on exit
fail() {
  echo "FAIL: $*"
  exit 1
}

case_no=0
# configure EXPECTED_VALUE EXPECTED_MESSAGE_OR_EMPTY [cmake -D args...]
configure() {
  local want=$1 message=$2 out got
  shift 2
  case_no=$((case_no + 1))
  out=$("$cmake" -S "$source_dir" -B "$tmp/$case_no" -DGOVERNOR_BUILD_TESTS=OFF \
    -DGOVERNOR_BUILD_BENCH=OFF "$@" 2>&1) || fail "configure with $* failed: $out"
  got=$(sed -n 's/^GOVERNOR_IO_URING:BOOL=//p' "$tmp/$case_no/CMakeCache.txt")
  [[ "$got" == "$want" ]] || fail "with $*: GOVERNOR_IO_URING=$got, expected $want"
  if [[ -n "$message" ]]; then
    grep -qF -- "$message" <<<"$out" || fail "with $*: no '$message' in the configure output: $out"
  else
    grep -qF 'I/O backend:' <<<"$out" && fail "with $*: the probe ran although the choice was given"
  fi
  return 0
}

configure ON "I/O backend: liburing found and this kernel allows io_uring, so GOVERNOR_IO_URING=ON" \
  -DGOVERNOR_KERNEL_ALLOWS_IO_URING=ON
configure OFF "I/O backend: this kernel refuses io_uring, so GOVERNOR_IO_URING=OFF" \
  -DGOVERNOR_KERNEL_ALLOWS_IO_URING=OFF
configure OFF "I/O backend: a ThreadSanitizer build, so GOVERNOR_IO_URING=OFF" \
  -DGOVERNOR_SANITIZE=thread -DGOVERNOR_KERNEL_ALLOWS_IO_URING=ON
configure OFF "" -DGOVERNOR_IO_URING=OFF -DGOVERNOR_KERNEL_ALLOWS_IO_URING=ON
configure ON "" -DGOVERNOR_IO_URING=ON -DGOVERNOR_KERNEL_ALLOWS_IO_URING=OFF
echo "io backend choice ok"
