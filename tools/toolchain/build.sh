#!/usr/bin/env bash
# Builds the local toolchain (Pulumi CLI, Pulumi Kubernetes provider plugin,
# Kubernetes control plane + kubectl + kubelet + kube-proxy, etcd, kwok) from Go modules.
#
# Usage: tools/toolchain/build.sh [--verify] [--list] [component ...]
#
# Components: pulumi kubernetes-provider kubernetes etcd kwok actionlint (default: all).
#
# Each component is installed into
#   ${STEADY_TOOLCHAIN_DIR:-$HOME/.cache/steady/toolchain}/<component>/<key>/
# where <key> is the component version plus a short hash of its go.mod, go.sum,
# main.go (if any) and build flags. A stamp file is written there only after a
# successful build, and symlinks in ${STEADY_TOOLCHAIN_DIR}/bin/ are (re)pointed
# at the binaries. Components whose stamp is present are not rebuilt.
#
# This file only reads the options and runs one mode; the rest is in lib/, one concern a file:
#   lib/components/<name>.sh  what a component is: version, binaries, pins, flags, checks
#   lib/components.sh         the list of components and how their definitions are called
#   lib/versions.sh           Go version and go.mod pin checks
#   lib/cache-key.sh          the cache key and whether a key is built
#   lib/install.sh            building and installing (the default mode)
#   lib/list.sh, lib/verify.sh  --list and --verify
# It stays shell (sourced files, not a typed script) because it runs first on a fresh checkout,
# before Node.js dependencies are installed, and needs only bash, go and coreutils.
#
# See README.md in this directory for details.
#
# shellcheck disable=SC2317 # some functions are only called indirectly (trap, run_step)

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"

TOOLCHAIN_DIR="${STEADY_TOOLCHAIN_DIR:-$HOME/.cache/steady/toolchain}"
STAMP_NAME=".stamp"
LOG_TAIL_LINES="${STEADY_TOOLCHAIN_LOG_TAIL:-40}"

die() {
  echo "build.sh: error: $*" >&2
  exit 1
}

# shellcheck source=lib/components.sh
. "$HERE/lib/components.sh"
# shellcheck source=lib/versions.sh
. "$HERE/lib/versions.sh"
# shellcheck source=lib/cache-key.sh
. "$HERE/lib/cache-key.sh"
# shellcheck source=lib/install.sh
. "$HERE/lib/install.sh"
# shellcheck source=lib/list.sh
. "$HERE/lib/list.sh"
# shellcheck source=lib/verify.sh
. "$HERE/lib/verify.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--verify] [--list] [component ...]

Builds the local toolchain from Go modules and installs it into
  ${TOOLCHAIN_DIR}
(override with STEADY_TOOLCHAIN_DIR). Binaries are linked into
  ${TOOLCHAIN_DIR}/bin
Put them on PATH with: eval "\$(tools/toolchain/env.sh)"

Options:
  --verify   do not build; check that every binary exists, runs and reports
             the expected version
  --list     do not build; list components, versions, cache keys and status
  -h, --help show this help

Components (default: all): ${ALL_COMPONENTS[*]}
USAGE
}

cleanup() {
  if [[ -n "$PARTIAL_DIR" && -d "$PARTIAL_DIR" ]]; then
    rm -rf "$PARTIAL_DIR"
  fi
  if [[ -n "$VERIFY_HOME" && -d "$VERIFY_HOME" ]]; then
    rm -rf "$VERIFY_HOME"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

main() {
  local mode=build c
  local components=()
  while (($#)); do
    case "$1" in
      --verify) mode=verify ;;
      --list) mode=list ;;
      -h | --help)
        usage
        return 0
        ;;
      --)
        shift
        components+=("$@")
        break
        ;;
      -*) die "unknown option '$1' (see --help)" ;;
      *) components+=("$1") ;;
    esac
    shift
  done
  if ((${#components[@]} == 0)); then
    components=("${ALL_COMPONENTS[@]}")
  fi
  for c in "${components[@]}"; do
    is_component "$c" || die "unknown component '$c' (components: ${ALL_COMPONENTS[*]})"
  done

  if [[ "$mode" == verify ]]; then
    verify_components "${components[@]}"
    return
  fi

  require_go
  setup_go_env

  if [[ "$mode" == list ]]; then
    list_components "${components[@]}"
    return
  fi
  build_components "${components[@]}"
}

# Exit right after main so that editing this file during a build is harmless.
main "$@"; exit $?
