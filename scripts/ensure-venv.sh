#!/usr/bin/env bash
# Usage: scripts/ensure-venv.sh NAME REQUIREMENT...
#
# Makes sure <repo>/.venvs/NAME is a virtualenv holding exactly REQUIREMENT... (pip syntax).
# Integration tests drive official tools (rucio server, rucio-clients, ...) that must not share a
# venv with openvre or with each other (rucio and rucio-clients ship the same `rucio` package), so
# each tool gets its own venv, built once and reused while the requirement list is unchanged.
#
# A stamp file inside the venv records the requirement list of the last successful install. When it
# is missing or different the venv is rebuilt from scratch, so a failed or changed install never
# leaves a half-updated venv behind. Quiet on success; on failure prints pip's output and exits 1.
# PYTHON selects the interpreter that creates the venv (default: python3).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 NAME REQUIREMENT..." >&2
    exit 2
fi
name=$1
shift
if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    echo "$0: venv name must be a plain directory name, got '$name'" >&2
    exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venvs=$root/.venvs
venv=$venvs/$name
stamp=$venv/.openvre-requirements
wanted=$(printf '%s\n' "$@")

is_current() {
    [[ -x $venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]
}

is_current && exit 0

mkdir -p "$venvs"
# The venvs are build products: keep them out of git without touching the project's .gitignore.
[[ -f $venvs/.gitignore ]] || printf '*\n' >"$venvs/.gitignore"

# Parallel test sessions may ask for the same venv at once: one builds, the others wait and reuse it.
exec 9>"$venvs/.$name.lock"
flock 9
is_current && exit 0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! {
    rm -rf "$venv" &&
        "${PYTHON:-python3}" -m venv "$venv" &&
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
} >"$log" 2>&1; then
    echo "$0: could not build $venv with: $*" >&2
    cat "$log" >&2
    exit 1
fi
printf '%s\n' "$wanted" >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
