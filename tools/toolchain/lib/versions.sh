# shellcheck shell=bash
# shellcheck disable=SC2034 # GO_*, VERIFY_FAILED: read by the files build.sh sources
# Version checks: the Go toolchain is new enough, and every go.mod pins what versions.env says.

# Sets GO_VERSION, GO_OS and GO_ARCH, or exits when Go is missing or too old.
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

# Exits unless every module the component pins has, in its go.mod, the version versions.env says.
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
