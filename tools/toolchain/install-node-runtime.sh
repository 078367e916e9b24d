#!/usr/bin/env bash
# Installs the Debian packages a real node of the local cluster needs
# (`steady-local up --real-node`) and that the image tooling uses (umoci):
#
#   containerd runc containernetworking-plugins iptables conntrack umoci
#   busybox-static nftables
#
# and shellcheck, which the CI workflows' lint test runs on their shell steps.
#
# Usage: tools/toolchain/install-node-runtime.sh [--check] [package ...]
#
# Idempotent: only missing packages are installed (apt-get, non-interactive),
# and it prints what it found and what it did. --check installs nothing: it
# lists what is missing and exits 1 if anything is. Naming packages limits the
# run to those (they must be in the list above).
#
# Unlike build.sh, this installs system packages, so it needs root (except
# --check) and a Debian-like system with apt-get.

set -euo pipefail

# package -> why the real node needs it
declare -A WHY=(
  [containerd]="container runtime (CRI) the kubelet talks to; also ctr, used to import images"
  [runc]="OCI runtime that starts the containers"
  [containernetworking-plugins]="CNI plugins bridge, host-local, loopback, portmap in /usr/lib/cni"
  [iptables]="kube-proxy (iptables mode) and the CNI bridge's masquerade rules"
  [conntrack]="inspecting and flushing connection tracking entries of Services"
  [nftables]="nft, which kube-proxy --cleanup uses to check for nftables-mode leftovers"
  [umoci]="builds OCI images (the node's sandbox image, test and sample images)"
  [busybox-static]="a static busybox: the sandbox (pause) image and small test images"
  [shellcheck]="checks the shell steps of the CI workflows (actionlint runs it; the workflow tests need it)"
)
PACKAGES=(containerd runc containernetworking-plugins iptables conntrack nftables umoci busybox-static shellcheck)
# Packages that provide the same programs under another name: Docker's containerd.io ships
# containerd, ctr, the runc shim and runc. Installing Debian's package over it would remove it
# (and break Docker), so it counts as present.
declare -A PROVIDED_BY=(
  [containerd]="containerd.io"
  [runc]="containerd.io"
)

usage() {
  cat <<EOF
Usage: $(basename "$0") [--check] [package ...]

Installs the packages a real node of the local cluster needs, when missing:
$(for p in "${PACKAGES[@]}"; do printf '  %-28s %s\n' "$p" "${WHY[$p]}"; done)

Options:
  --check    install nothing; list missing packages, exit 1 if any
  -h, --help show this help
EOF
}

die() {
  echo "install-node-runtime.sh: error: $*" >&2
  exit 1
}

# Whether a package is installed (dpkg's status "install ok installed").
installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

version_of() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

# The installed package that provides $1 (itself or an alternative), or nothing.
provider_of() {
  local alt
  if installed "$1"; then
    echo "$1"
    return
  fi
  for alt in ${PROVIDED_BY[$1]:-}; do
    if installed "$alt"; then
      echo "$alt"
      return
    fi
  done
}

main() {
  local check=0 p
  local wanted=()
  while (($#)); do
    case "$1" in
      --check) check=1 ;;
      -h | --help)
        usage
        return 0
        ;;
      -*) die "unknown option '$1' (see --help)" ;;
      *)
        [[ -n "${WHY[$1]:-}" ]] || die "unknown package '$1'; valid: ${PACKAGES[*]}"
        wanted+=("$1")
        ;;
    esac
    shift
  done
  ((${#wanted[@]})) || wanted=("${PACKAGES[@]}")

  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian and its derivatives (apt-get); install ${wanted[*]} with your package manager"

  local missing=() provider
  for p in "${wanted[@]}"; do
    provider="$(provider_of "$p")"
    if [[ "$provider" == "$p" ]]; then
      echo "present  $p $(version_of "$p")"
    elif [[ -n "$provider" ]]; then
      echo "present  $p (as $provider $(version_of "$provider"))"
    else
      echo "missing  $p (${WHY[$p]})"
      missing+=("$p")
    fi
  done

  if ((${#missing[@]} == 0)); then
    echo "node runtime: nothing to do, all ${#wanted[@]} packages present"
    return 0
  fi
  if ((check)); then
    echo "node runtime: ${#missing[@]} missing: ${missing[*]}" >&2
    echo "install them with: sudo $0" >&2
    return 1
  fi
  ((EUID == 0)) || die "${missing[*]} missing, and installing needs root: run sudo $0"

  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  # The package lists may be empty or stale (fresh images ship without them).
  echo "running apt-get update"
  apt-get update -q >/dev/null || die "apt-get update failed; check the package mirrors in /etc/apt/sources.list*"
  echo "installing ${missing[*]}"
  apt-get install "${apt_opts[@]}" "${missing[@]}" ||
    die "apt-get install ${missing[*]} failed (see above)"

  local still=()
  for p in "${missing[@]}"; do
    if installed "$p"; then
      echo "installed $p $(version_of "$p")"
    else
      still+=("$p")
    fi
  done
  ((${#still[@]} == 0)) || die "still missing after apt-get install: ${still[*]}"
  echo "node runtime: installed ${#missing[@]} package(s): ${missing[*]}"
}

main "$@"
