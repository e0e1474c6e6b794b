#!/usr/bin/env bash
# scripts/build on a tree whose first configure failed (as on a machine where a package was not
# yet installed): CMake left a cache and no build system behind, and the next scripts/build must
# configure the tree again rather than hand it to the build tool as it is. Nothing is compiled:
# the build step asks only for the `help` target.
# Usage: build_after_failed_configure.sh CMAKE SOURCE_DIR
set -uo pipefail
cmake=$1
source_dir=$2
# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh" # $tmp, removed on exit
fail() {
  echo "FAIL: $*"
  exit 1
}

tree="$tmp/tree"
# A compiler that does not exist fails the configure after the cache is written.
"$cmake" -S "$source_dir" -B "$tree" -DCMAKE_CXX_COMPILER="$tmp/no-such-compiler" >/dev/null 2>&1 &&
  fail "the configure with a missing compiler succeeded"
[[ -f "$tree/CMakeCache.txt" ]] || fail "the failed configure left no cache to test with"
[[ -f "$tree/build.ninja" || -f "$tree/Makefile" ]] && fail "the failed configure wrote a build system"

out=$(GOVERNOR_JOBS=1 bash "$source_dir/scripts/build" "$tree" -DGOVERNOR_BUILD_TESTS=OFF \
  -DGOVERNOR_BUILD_BENCH=OFF --target help 2>&1) || fail "scripts/build after the failed configure: $out"
[[ -f "$tree/build.ninja" || -f "$tree/Makefile" ]] || fail "no build system after scripts/build: $out"
grep -q "^CMAKE_CXX_COMPILER:.*no-such-compiler" "$tree/CMakeCache.txt" &&
  fail "the failed configure's compiler is still in the cache"
echo "build after failed configure ok"
