#!/usr/bin/env bash
# What can be checked of docker/Dockerfile without a Docker engine (none runs here):
# - every shared library the built governor and governor-sim load belongs to a package the
#   runtime stage installs, to one of their dependencies, or to the debian:12-slim base;
# - each of those packages is a Debian 12 package (installed here, from the archive);
# - the files the image copies exist, and the shipped docker/governor.yaml passes
#   `governor check` laid out as the image lays it out (/etc/governor/{governor.yaml,policies});
# - docker/compose.yaml mounts files that exist, runs governor-sim with flags it accepts, and
#   Prometheus scrapes the admin port the image's config listens on.
# Usage: check_docker_image.sh SOURCE_DIR GOVERNOR_BINARY GOVERNOR_SIM_BINARY
set -euo pipefail
root="$1"
governor="$2"
sim="$3"
dockerfile="$root/docker/Dockerfile"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "docker image check: $*" >&2
  exit 1
}

# The runtime stage: the apt-get install line(s) after the last FROM, up to the '&&'.
runtime_pkgs="$(awk '/^FROM /{stage=""} {stage = stage $0 "\n"} END{printf "%s", stage}' "$dockerfile" |
  tr '\\\n' '  ' | grep -oE 'apt-get install [^&]*' | sed -E 's/apt-get install//; s/ -[a-z-]+//g')"
read -ra listed <<<"$runtime_pkgs"
((${#listed[@]} > 0)) || fail "no apt-get install in the Dockerfile's runtime stage"
# The image's packages are the ones this machine built against, so dpkg knows them (installed
# from Debian 12's archive) and their dependencies, offline: no apt lists needed.
for pkg in "${listed[@]}"; do
  dpkg-query -W "$pkg" >/dev/null 2>&1 || fail "runtime package '$pkg' is not a Debian 12 package installed here"
done

# What the image will have: the listed packages, their dependencies (Depends and Pre-Depends,
# recursively; the first alternative of each), and the slim base (whose apt needs libc6,
# libgcc-s1 and libstdc++6).
# One dpkg query for every installed package, then the walk in awk.
dpkg-query -W -f='${Package}\t${Pre-Depends}, ${Depends}\n' >"$tmp/depends"
printf '%s\n' "${listed[@]}" libc6 libgcc-s1 libstdc++6 |
  awk -F'\t' '
    NR == FNR { deps[$1] = $2; next }
    { queue[n++] = $1 }
    END {
      for (i = 0; i < n; i++) {
        pkg = queue[i]
        if (pkg in seen) continue
        seen[pkg] = 1
        print pkg
        m = split(deps[pkg], list, ",")
        for (j = 1; j <= m; j++) {
          dep = list[j]
          sub(/\|.*/, "", dep)            # the first alternative
          gsub(/\([^)]*\)/, "", dep)      # version constraints
          gsub(/:any|[[:space:]]/, "", dep)
          if (dep != "" && !(dep in seen)) queue[n++] = dep
        }
      }
    }' "$tmp/depends" - | sort -u >"$tmp/present"

# Every library each binary loads, as ldd names it and as its real path (dpkg registered one of
# the two), owned by a package the image has. One dpkg -S for all of them: it is slow per call.
for binary in "$governor" "$sim"; do
  [[ -x "$binary" ]] || fail "missing $binary (the image copies it from the build stage)"
  ldd "$binary" | awk -v b="$(basename "$binary")" '/=> \//{print b "\t" $3}'
done >"$tmp/libs"
while IFS=$'\t' read -r _ lib; do
  printf '%s\n%s\n' "$lib" "$(readlink -f "$lib")"
done <"$tmp/libs" | sort -u >"$tmp/paths"
xargs -a "$tmp/paths" -d '\n' dpkg -S 2>/dev/null | sed -E 's/^([^:]+)(:[a-z0-9]+)?: /\1\t/' \
  >"$tmp/owners" || true
while IFS=$'\t' read -r binary lib; do
  real="$(readlink -f "$lib")"
  pkg="$(awk -F'\t' -v a="$lib" -v b="$real" '$2 == a || $2 == b {print $1; exit}' "$tmp/owners")"
  [[ -n "$pkg" ]] || fail "no package owns $lib (loaded by $binary)"
  grep -qxF "$pkg" "$tmp/present" ||
    fail "$binary loads $lib from '$pkg', which the runtime stage does not install"
done <"$tmp/libs"

# The copied files, laid out as in the image, pass `governor check`.
for f in docker/governor.yaml policies; do
  [[ -e "$root/$f" ]] || fail "the image copies $f, which does not exist"
done
mkdir -p "$tmp/etc"
cp "$root/docker/governor.yaml" "$tmp/etc/governor.yaml"
cp -r "$root/policies" "$tmp/etc/policies"
# The image's ledger lives in /var/lib/governor; here in the temp dir.
sed -i "s|/var/lib/governor|$tmp/ledger|" "$tmp/etc/governor.yaml"
"$governor" check -c "$tmp/etc/governor.yaml" >"$tmp/check.log" 2>&1 || {
  cat "$tmp/check.log" >&2
  fail "governor check rejects docker/governor.yaml as the image lays it out"
}
# docker/compose.yaml: the files it mounts exist, governor-sim accepts its command-line flags,
# and Prometheus scrapes the admin port the image's config listens on.
compose="$root/docker/compose.yaml"
grep -oE '^\s+- \./[^:]+' "$compose" | sed -E 's/^\s+- \.\///' | while read -r mounted; do
  [[ -e "$root/docker/$mounted" ]] || fail "compose.yaml mounts docker/$mounted, which does not exist"
done
sim_help="$("$sim" --help 2>&1)"
grep -A1 'entrypoint: \["governor-sim"\]' "$compose" | grep -oE '"--[a-z-]+"' | tr -d '"' |
  while read -r flag; do
    grep -qE "(^|[ ,])$flag([ ,=]|$)" <<<"$sim_help" || fail "compose.yaml runs governor-sim with $flag, which it does not accept"
  done
admin_port="$(grep -oE '^admin: \{.*port: [0-9]+' "$root/docker/governor.yaml" | grep -oE '[0-9]+$')"
grep -q "\"governor:$admin_port\"" "$root/docker/prometheus.yml" ||
  fail "docker/prometheus.yml does not scrape governor:$admin_port (the image's admin listener)"

echo "docker image files ok (${#listed[@]} runtime packages)"
