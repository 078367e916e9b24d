# shellcheck shell=bash
# shellcheck disable=SC2034 # GO_*, VERIFY_FAILED: read by the files build.sh sources
# Component "pulumi": the Pulumi CLI, and the project's own Node.js language host
# (../../pulumi-language-nodejs), installed next to the CLI, where the CLI looks for bundled
# plugins.

pulumi_version() { echo "$PULUMI_VERSION"; }

pulumi_binaries() {
  echo "pulumi pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  # The project's own Node.js language host (see its main.go). It is
  # installed next to the CLI, where the CLI looks for bundled plugins.
  echo "pulumi-language-nodejs pulumi-language-nodejs ."
}

pulumi_pins() {
  echo "pulumi github.com/pulumi/pulumi/pkg/v3 v${PULUMI_VERSION}"
  echo "pulumi github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}"
  echo "pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}"
}

pulumi_ldflags() {
  case "$1" in
    pulumi)
      echo "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}"
      ;;
    pulumi-language-nodejs)
      echo "-X main.version=${PULUMI_VERSION}"
      ;;
  esac
}

pulumi_verify() {
  verify_binary pulumi "v${PULUMI_VERSION}" pulumi version
  verify_language_host
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
