#!/usr/bin/env bash
# Runs a command that must fail (non-zero exit); prints its output for ctest's regex.
"$@" 2>&1
rc=$?
echo "exit=$rc"
[[ $rc -ne 0 ]]
