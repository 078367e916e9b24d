# shellcheck shell=bash
# shellcheck disable=SC2034 # GO_*, VERIFY_FAILED: read by the files build.sh sources
# Component "kubernetes-provider": the Pulumi Kubernetes provider plugin, built by the
# project's own main.go (../../kubernetes-provider), which embeds the schema and the Terraform
# mapping that upstream generates at release time.

kubernetes_provider_version() { echo "$PULUMI_KUBERNETES_VERSION"; }

kubernetes_provider_binaries() {
  echo "pulumi-resource-kubernetes kubernetes-provider ."
}

kubernetes_provider_pins() {
  echo "kubernetes-provider github.com/pulumi/pulumi-kubernetes/provider/v4 ${PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION}"
}

kubernetes_provider_ldflags() {
  echo "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${PULUMI_KUBERNETES_VERSION}"
}

# The upstream command embeds files that are generated at release time
# and are not part of the module. The schema and the Terraform mapping
# that ship in the module are copied here and embedded by main.go.
kubernetes_provider_prepare() {
  local dir="$HERE/kubernetes-provider" src
  src="$(cd "$dir" &&
    go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
  install -m 0644 "$src/schema.json" "$src/terraform-mapping.json" "$dir/"
}

# The provider plugin has no --version flag: have the Pulumi CLI load it and
# check the package version in the schema it serves. Without the CLI, check
# that the plugin starts and announces its port.
kubernetes_provider_verify() {
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
