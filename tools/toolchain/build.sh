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
# See README.md in this directory for details.
#
# shellcheck disable=SC2317 # some functions are only called indirectly (trap, run_step)

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"

TOOLCHAIN_DIR="${STEADY_TOOLCHAIN_DIR:-$HOME/.cache/steady/toolchain}"
ALL_COMPONENTS=(pulumi kubernetes-provider kubernetes etcd kwok actionlint)
STAMP_NAME=".stamp"
LOG_TAIL_LINES="${STEADY_TOOLCHAIN_LOG_TAIL:-40}"

usage() {
  cat <<EOF
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
EOF
}

die() {
  echo "build.sh: error: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------
# Go toolchain
# ---------------------------------------------------------------------------

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    die "Go ${GO_MIN_VERSION}+ is required to build the toolchain, but 'go' was not found on PATH. Install Go ${GO_MIN_VERSION} or newer (https://go.dev/dl/) and re-run."
  fi
  local v
  v="$(go env GOVERSION 2>/dev/null || true)"
  if [[ "$v" =~ ^go([0-9]+)\.([0-9]+) ]]; then
    local major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
    local want_major="${GO_MIN_VERSION%%.*}" want_minor="${GO_MIN_VERSION#*.}"
    want_minor="${want_minor%%.*}"
    if ((major < want_major || (major == want_major && minor < want_minor))); then
      die "Go ${GO_MIN_VERSION}+ is required to build the toolchain, but 'go' is ${v} ($(command -v go))."
    fi
  else
    echo "build.sh: warning: cannot parse Go version '${v}', assuming it is ${GO_MIN_VERSION}+" >&2
  fi
  GO_VERSION="$v"
  GO_OS="$(go env GOOS)"
  GO_ARCH="$(go env GOARCH)"
}

# Settings shared by every go invocation. The module and build caches stay in
# their usual places (GOMODCACHE, GOCACHE), outside the repository, so
# rebuilds are incremental. Each component is its own module: no workspace.
setup_go_env() {
  export GOWORK=off
  export GOFLAGS=""
  export GOTOOLCHAIN=local
  export CGO_ENABLED=0
}

GO_BUILD_FLAGS=(-trimpath -buildvcs=false -mod=readonly)

# ---------------------------------------------------------------------------
# Component definitions
# ---------------------------------------------------------------------------

is_component() {
  local c
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ "$c" == "$1" ]] && return 0
  done
  return 1
}

comp_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    kubernetes-provider) echo "$PULUMI_KUBERNETES_VERSION" ;;
    kubernetes) echo "$KUBERNETES_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    actionlint) echo "$ACTIONLINT_VERSION" ;;
  esac
}

# Lines of "<binary> <module dir> <package>": the module dir is relative to this
# directory, and the package is built from inside it.
comp_binaries() {
  case "$1" in
    pulumi)
      echo "pulumi pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
      # The project's own Node.js language host (see its main.go). It is
      # installed next to the CLI, where the CLI looks for bundled plugins.
      echo "pulumi-language-nodejs pulumi-language-nodejs ."
      ;;
    kubernetes-provider)
      echo "pulumi-resource-kubernetes kubernetes-provider ."
      ;;
    kubernetes)
      echo "kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver"
      echo "kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager"
      echo "kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler"
      echo "kubectl kubernetes k8s.io/kubernetes/cmd/kubectl"
      echo "kubelet kubernetes k8s.io/kubernetes/cmd/kubelet"
      echo "kube-proxy kubernetes k8s.io/kubernetes/cmd/kube-proxy"
      ;;
    etcd)
      echo "etcd etcd go.etcd.io/etcd/server/v3"
      ;;
    kwok)
      echo "kwok kwok sigs.k8s.io/kwok/cmd/kwok"
      ;;
    actionlint)
      echo "actionlint actionlint github.com/rhysd/actionlint/cmd/actionlint"
      ;;
  esac
}

# The module directories of a component, in build order.
comp_dirs() {
  local name dir pkg seen=" "
  while read -r name dir pkg; do
    [[ "$seen" == *" $dir "* ]] && continue
    seen+="$dir "
    echo "$dir"
  done < <(comp_binaries "$1")
}

# Lines of "<module dir> <module> <expected version>": checked against the
# go.mod files so that versions.env stays the single source of versions. For
# modules that are replaced, the replacement's version is checked.
comp_pins() {
  local k8s_staging="v0.${KUBERNETES_VERSION#*.}"
  case "$1" in
    pulumi)
      echo "pulumi github.com/pulumi/pulumi/pkg/v3 v${PULUMI_VERSION}"
      echo "pulumi github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}"
      echo "pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}"
      ;;
    kubernetes-provider)
      echo "kubernetes-provider github.com/pulumi/pulumi-kubernetes/provider/v4 ${PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION}"
      ;;
    kubernetes)
      echo "kubernetes k8s.io/kubernetes v${KUBERNETES_VERSION}"
      echo "kubernetes k8s.io/api ${k8s_staging}"
      echo "kubernetes k8s.io/client-go ${k8s_staging}"
      echo "kubernetes k8s.io/apiserver ${k8s_staging}"
      echo "kubernetes k8s.io/component-base ${k8s_staging}"
      ;;
    etcd)
      echo "etcd go.etcd.io/etcd/server/v3 v${ETCD_VERSION}"
      echo "etcd go.etcd.io/etcd/api/v3 v${ETCD_VERSION}"
      ;;
    kwok)
      echo "kwok sigs.k8s.io/kwok v${KWOK_VERSION}"
      ;;
    actionlint)
      echo "actionlint github.com/rhysd/actionlint v${ACTIONLINT_VERSION}"
      ;;
  esac
}

# Release date of the Kubernetes module, used as the reproducible build date.
kubernetes_build_date() {
  (cd "$HERE/kubernetes" &&
    go list -m -f '{{with .Time}}{{.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
}

# -X flags for one binary (added to "-s -w").
bin_ldflags() {
  case "$1" in
    pulumi)
      echo "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}"
      ;;
    pulumi-language-nodejs)
      echo "-X main.version=${PULUMI_VERSION}"
      ;;
    pulumi-resource-kubernetes)
      echo "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${PULUMI_KUBERNETES_VERSION}"
      ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy)
      local major="${KUBERNETES_VERSION%%.*}" rest="${KUBERNETES_VERSION#*.}"
      local minor="${rest%%.*}" date pkg flags=()
      date="$(kubernetes_build_date)"
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        # gitCommit is set even when unknown (empty) so that the binaries do
        # not report the source placeholder.
        flags+=("-X ${pkg}.gitVersion=v${KUBERNETES_VERSION}"
          "-X ${pkg}.gitMajor=${major}"
          "-X ${pkg}.gitMinor=${minor}"
          "-X ${pkg}.gitCommit=${KUBERNETES_GIT_COMMIT:-}"
          "-X ${pkg}.gitTreeState=clean"
          "-X ${pkg}.buildDate=${date}")
      done
      echo "${flags[*]}"
      ;;
    etcd)
      # The etcd version is a constant of the api module; upstream's release
      # build only stamps the short commit.
      if [[ -n "${ETCD_GIT_COMMIT:-}" ]]; then
        echo "-X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_GIT_COMMIT:0:7}"
      fi
      ;;
    kwok)
      echo "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION}"
      ;;
    actionlint)
      echo "-X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}"
      ;;
  esac
}

# Whether a component has files to generate before building.
comp_needs_prepare() { [[ "$1" == kubernetes-provider ]]; }

# Files that are generated into a module directory before building.
comp_prepare() {
  case "$1" in
    kubernetes-provider)
      # The upstream command embeds files that are generated at release time
      # and are not part of the module. The schema and the Terraform mapping
      # that ship in the module are copied here and embedded by main.go.
      local dir="$HERE/kubernetes-provider" src
      src="$(cd "$dir" &&
        go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
      install -m 0644 "$src/schema.json" "$src/terraform-mapping.json" "$dir/"
      ;;
  esac
}

# Files whose content goes into the cache key: go.mod, go.sum and the Go
# sources (tests excluded) of each module directory of the component, and of the
# project's own modules it uses through a directory replace (pluginexit).
comp_key_files() {
  local dir f
  while read -r dir; do
    for f in "$HERE/$dir"/go.mod "$HERE/$dir"/go.sum "$HERE/$dir"/*.go; do
      [[ -f "$f" && "$f" != *_test.go ]] && echo "$f"
    done
  done < <(comp_dirs "$1" && comp_local_replaces "$1")
  return 0
}

# Sibling module directories the component's go.mod files replace a module with
# ("=> ../<dir>"), once each.
comp_local_replaces() {
  local dir
  while read -r dir; do
    sed -n 's|^\(replace[[:space:]]\)\{0,1\}[[:space:]]*[^[:space:]]*[[:space:]]*=>[[:space:]]*\.\./\([A-Za-z0-9._-]*\)[[:space:]]*$|\2|p' \
      "$HERE/$dir/go.mod"
  done < <(comp_dirs "$1") | sort -u
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | cut -c1-64
  else
    shasum -a 256 | cut -c1-64
  fi
}

# Prints "v<version>-<hash>" for a component.
comp_key() {
  local c="$1" f hash name dir pkg
  hash="$(
    {
      while read -r f; do
        printf 'file %s\n' "${f#"$HERE/"}"
        cat "$f"
      done < <(comp_key_files "$c")
      printf 'go %s %s/%s cgo=%s\n' "$GO_VERSION" "$GO_OS" "$GO_ARCH" "$CGO_ENABLED"
      printf 'flags %s\n' "${GO_BUILD_FLAGS[*]}"
      while read -r name dir pkg; do
        printf 'binary %s %s %s ldflags -s -w %s\n' "$name" "$dir" "$pkg" "$(bin_ldflags "$name")"
      done < <(comp_binaries "$c")
    } | sha256
  )"
  echo "v$(comp_version "$c")-${hash:0:12}"
}

check_pins() {
  local c="$1" dir module want got
  while read -r dir module want; do
    got="$(cd "$HERE/$dir" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$module" 2>&1)" ||
      die "$c: cannot resolve $module in $HERE/$dir/go.mod: $got"
    if [[ "$got" != "$want" ]]; then
      die "$c: versions.env expects $module $want but $HERE/$dir/go.mod has $got (see README.md, \"Bumping a version\")"
    fi
  done < <(comp_pins "$c")
}

# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

PARTIAL_DIR=""
VERIFY_HOME=""
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

# run_step <component> <module dir> <log> <label> <command...>: runs a command
# in a module directory, appending its output to the log and printing the
# label and the elapsed seconds. On failure, prints the tail of the log and
# exits.
run_step() {
  local c="$1" dir="$2" log="$3" label="$4"
  shift 4
  local start=$SECONDS rc=0
  printf '%s ... ' "$label"
  {
    printf '\n==> %s (in %s)\n$' "$label" "$dir"
    printf ' %q' "$@"
    printf '\n'
  } >>"$log"
  (cd "$HERE/$dir" && "$@") >>"$log" 2>&1 || rc=$?
  local elapsed=$((SECONDS - start))
  if ((rc != 0)); then
    printf 'FAILED after %ss\n' "$elapsed"
    {
      echo
      echo "build.sh: component '$c' failed: $label (exit $rc)"
      echo "build.sh: last $LOG_TAIL_LINES lines of $log:"
      tail -n "$LOG_TAIL_LINES" "$log" | sed 's/^/    /'
    } >&2
    exit 1
  fi
  printf '%ss\n' "$elapsed"
}

link_binaries() {
  local c="$1" key="$2" name dir pkg
  mkdir -p "$TOOLCHAIN_DIR/bin"
  while read -r name dir pkg; do
    # Replace the link atomically: running tools never see it missing.
    ln -sfn "../$c/$key/$name" "$TOOLCHAIN_DIR/bin/.$name.tmp"
    mv -f "$TOOLCHAIN_DIR/bin/.$name.tmp" "$TOOLCHAIN_DIR/bin/$name"
  done < <(comp_binaries "$c")
}

is_built() {
  local c="$1" dest="$2" name dir pkg
  [[ -f "$dest/$STAMP_NAME" ]] || return 1
  while read -r name dir pkg; do
    [[ -x "$dest/$name" ]] || return 1
  done < <(comp_binaries "$c")
}

build_component() {
  local c="$1" version key dest log dir name pkg
  version="$(comp_version "$c")"
  check_pins "$c"
  key="$(comp_key "$c")"
  dest="$TOOLCHAIN_DIR/$c/$key"

  if is_built "$c" "$dest"; then
    link_binaries "$c" "$key"
    echo "ok $c v$version (cached)"
    return 0
  fi

  mkdir -p "$TOOLCHAIN_DIR/logs" "$TOOLCHAIN_DIR/$c"
  log="$TOOLCHAIN_DIR/logs/$c.log"
  {
    echo "# build of $c v$version ($key) started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# $GO_VERSION $GO_OS/$GO_ARCH CGO_ENABLED=$CGO_ENABLED GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)"
  } >"$log"

  PARTIAL_DIR="$TOOLCHAIN_DIR/$c/.$key.partial"
  rm -rf "$PARTIAL_DIR"
  mkdir -p "$PARTIAL_DIR"

  local start=$SECONDS
  while read -r dir; do
    local suffix=""
    [[ "$dir" != "$c" ]] && suffix=" ($dir)"
    run_step "$c" "$dir" "$log" "fetching modules for $c v$version$suffix" go mod download
  done < <(comp_dirs "$c")
  if comp_needs_prepare "$c"; then
    run_step "$c" . "$log" "preparing $c v$version" comp_prepare "$c"
  fi
  while read -r name dir pkg; do
    run_step "$c" "$dir" "$log" "building $c v$version ($name)" \
      go build "${GO_BUILD_FLAGS[@]}" -ldflags "-s -w $(bin_ldflags "$name")" -o "$PARTIAL_DIR/$name" "$pkg"
  done < <(comp_binaries "$c")

  {
    echo "component=$c"
    echo "version=$version"
    echo "key=$key"
    echo "go=$GO_VERSION $GO_OS/$GO_ARCH"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$((SECONDS - start))"
    while read -r name dir pkg; do
      echo "binary=$name $dir $pkg"
    done < <(comp_binaries "$c")
  } >"$PARTIAL_DIR/$STAMP_NAME.tmp"

  rm -rf "$dest"
  mv "$PARTIAL_DIR" "$dest"
  PARTIAL_DIR=""
  mv "$dest/$STAMP_NAME.tmp" "$dest/$STAMP_NAME"
  link_binaries "$c" "$key"
  prune_old_keys "$c" "$key"
  echo "ok $c v$version built in $((SECONDS - start))s"
}

# Removes the component's other builds (older versions or flags); nothing
# links to them any more. Set STEADY_TOOLCHAIN_KEEP_OLD=1 to keep them.
prune_old_keys() {
  local c="$1" key="$2" d
  [[ "${STEADY_TOOLCHAIN_KEEP_OLD:-}" == 1 ]] && return 0
  for d in "$TOOLCHAIN_DIR/$c"/v*; do
    [[ -d "$d" && "$(basename "$d")" != "$key" ]] || continue
    rm -rf "$d"
  done
}

# ---------------------------------------------------------------------------
# --list
# ---------------------------------------------------------------------------

list_components() {
  local c key dest state name dir pkg bins
  printf '%-20s %-10s %-26s %-10s %s\n' COMPONENT VERSION KEY STATUS BINARIES
  for c in "$@"; do
    key="$(comp_key "$c")"
    dest="$TOOLCHAIN_DIR/$c/$key"
    state="missing"
    is_built "$c" "$dest" && state="built"
    bins=""
    while read -r name dir pkg; do bins+="$name "; done < <(comp_binaries "$c")
    printf '%-20s %-10s %-26s %-10s %s\n' "$c" "v$(comp_version "$c")" "$key" "$state" "$bins"
  done
}

# ---------------------------------------------------------------------------
# --verify
# ---------------------------------------------------------------------------

VERIFY_FAILED=0

run_with_timeout() {
  if command -v timeout >/dev/null 2>&1; then
    timeout 60 "$@"
  else
    "$@"
  fi
}

# verify_binary <name> <expected substring> <command...>
verify_binary() {
  local name="$1" want="$2" out rc=0
  shift 2
  if [[ ! -x "$TOOLCHAIN_DIR/bin/$name" ]]; then
    echo "MISSING $name (no executable at $TOOLCHAIN_DIR/bin/$name; run build.sh)"
    VERIFY_FAILED=1
    return 0
  fi
  out="$(run_with_timeout "$@" 2>&1)" || rc=$?
  out="$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | head -n 3 | tr '\n' ' ' | sed 's/ *$//')"
  if ((rc != 0)); then
    echo "FAIL    $name: '$*' exited $rc: $out"
    VERIFY_FAILED=1
  elif [[ "$out" != *"$want"* ]]; then
    echo "FAIL    $name: expected '$want', got: $out"
    VERIFY_FAILED=1
  else
    echo "ok      $name $want ($out)"
  fi
}

# The provider plugin has no --version flag: have the Pulumi CLI load it and
# check the package version in the schema it serves. Without the CLI, check
# that the plugin starts and announces its port.
verify_provider() {
  local name=pulumi-resource-kubernetes want="$PULUMI_KUBERNETES_VERSION" out rc=0 port
  local path="$TOOLCHAIN_DIR/bin/$name"
  if [[ ! -x "$path" ]]; then
    echo "MISSING $name (no executable at $path; run build.sh)"
    VERIFY_FAILED=1
    return 0
  fi
  if [[ -x "$TOOLCHAIN_DIR/bin/pulumi" ]]; then
    out="$(run_with_timeout pulumi package get-schema "$path" 2>&1)" || rc=$?
    if ((rc == 0)) && [[ "$(printf '%s' "$out" | head -c 4096)" == *"\"version\": \"${want}\""* ]]; then
      echo "ok      $name $want (schema version served to pulumi v${PULUMI_VERSION})"
    else
      echo "FAIL    $name: 'pulumi package get-schema $path' exited $rc, expected schema version $want: $(printf '%s' "$out" | head -c 400)"
      VERIFY_FAILED=1
    fi
    return 0
  fi
  port="$(plugin_port "$path")"
  if [[ "$port" =~ ^[0-9]+$ ]]; then
    echo "ok      $name starts (port $port; build pulumi to check its version)"
  else
    echo "FAIL    $name: did not announce a port on start: $port"
    VERIFY_FAILED=1
  fi
}

# prints the first line a plugin writes to stdout (its port) within 3 seconds.
plugin_port() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  run_with_timeout bash -c '"$@" & pid=$!; sleep 3; kill $pid 2>/dev/null; wait $pid 2>/dev/null; true' _ "$@" | head -n 1
}

# The language host has no version flag either: check that it starts, and
# that it sits next to the real pulumi binary, where the CLI looks for bundled
# plugins (so it is used without an "ambient plugin" warning).
verify_language_host() {
  local name=pulumi-language-nodejs path port
  path="$TOOLCHAIN_DIR/bin/$name"
  if [[ ! -x "$path" ]]; then
    echo "MISSING $name (no executable at $path; run build.sh)"
    VERIFY_FAILED=1
    return 0
  fi
  port="$(plugin_port "$path" 127.0.0.1:1)"
  if [[ ! "$port" =~ ^[0-9]+$ ]]; then
    echo "FAIL    $name: did not announce a port on start: $port"
    VERIFY_FAILED=1
  elif [[ "$(dirname "$(readlink -f "$path")")" != "$(dirname "$(readlink -f "$TOOLCHAIN_DIR/bin/pulumi")")" ]]; then
    echo "FAIL    $name: not installed next to the pulumi binary"
    VERIFY_FAILED=1
  else
    echo "ok      $name starts (port $port), next to pulumi v${PULUMI_VERSION}"
  fi
}

verify_component() {
  local k="v${KUBERNETES_VERSION}"
  case "$1" in
    pulumi)
      verify_binary pulumi "v${PULUMI_VERSION}" pulumi version
      verify_language_host
      ;;
    kubernetes-provider)
      verify_provider
      ;;
    kubernetes)
      verify_binary kube-apiserver "Kubernetes $k" kube-apiserver --version
      verify_binary kube-controller-manager "Kubernetes $k" kube-controller-manager --version
      verify_binary kube-scheduler "Kubernetes $k" kube-scheduler --version
      verify_binary kubectl "Client Version: $k" kubectl version --client
      verify_binary kubelet "Kubernetes $k" kubelet --version
      verify_binary kube-proxy "Kubernetes $k" kube-proxy --version
      ;;
    etcd)
      verify_binary etcd "etcd Version: ${ETCD_VERSION}" etcd --version
      ;;
    kwok)
      verify_binary kwok "v${KWOK_VERSION}" kwok --version
      ;;
    actionlint)
      verify_binary actionlint "${ACTIONLINT_VERSION}" actionlint -version
      ;;
  esac
}

verify_components() {
  # Use the toolchain exactly as env.sh sets it up, with a throwaway Pulumi
  # home so that checking the CLI leaves no state behind.
  eval "$("$HERE/env.sh")"
  VERIFY_HOME="$(mktemp -d "${TMPDIR:-/tmp}/steady-verify.XXXXXX")"
  export PULUMI_HOME="$VERIFY_HOME"
  local c
  for c in "$@"; do
    verify_component "$c"
  done
  if ((VERIFY_FAILED)); then
    echo "verify: FAILED (toolchain dir: $TOOLCHAIN_DIR)" >&2
    return 1
  fi
  echo "verify: ok"
}

# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

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

  mkdir -p "$TOOLCHAIN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLCHAIN_DIR/.lock"
    if ! flock -n 9; then
      echo "build.sh: waiting for another build of $TOOLCHAIN_DIR to finish ..." >&2
      flock 9
    fi
  fi

  local start=$SECONDS
  echo "toolchain: $TOOLCHAIN_DIR ($GO_VERSION $GO_OS/$GO_ARCH)"
  for c in "${components[@]}"; do
    build_component "$c"
  done
  echo "done in $((SECONDS - start))s; binaries in $TOOLCHAIN_DIR/bin (eval \"\$(${HERE#"$PWD/"}/env.sh)\")"
}

# Exit right after main so that editing this file during a build is harmless.
main "$@"; exit $?
