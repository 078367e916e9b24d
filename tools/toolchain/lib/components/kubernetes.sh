# shellcheck shell=bash
# Component "kubernetes": the control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler), kubectl, and the node agents (kubelet, kube-proxy) of a real node.

kubernetes_version() { echo "$KUBERNETES_VERSION"; }

kubernetes_binaries() {
  echo "kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver"
  echo "kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager"
  echo "kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler"
  echo "kubectl kubernetes k8s.io/kubernetes/cmd/kubectl"
  echo "kubelet kubernetes k8s.io/kubernetes/cmd/kubelet"
  echo "kube-proxy kubernetes k8s.io/kubernetes/cmd/kube-proxy"
}

kubernetes_pins() {
  local k8s_staging="v0.${KUBERNETES_VERSION#*.}"
  echo "kubernetes k8s.io/kubernetes v${KUBERNETES_VERSION}"
  echo "kubernetes k8s.io/api ${k8s_staging}"
  echo "kubernetes k8s.io/client-go ${k8s_staging}"
  echo "kubernetes k8s.io/apiserver ${k8s_staging}"
  echo "kubernetes k8s.io/component-base ${k8s_staging}"
}

# Release date of the Kubernetes module, used as the reproducible build date.
kubernetes_build_date() {
  (cd "$HERE/kubernetes" &&
    go list -m -f '{{with .Time}}{{.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
}

# The same -X flags for every binary: the version they report.
kubernetes_ldflags() {
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
}

kubernetes_verify() {
  local k="v${KUBERNETES_VERSION}"
  verify_binary kube-apiserver "Kubernetes $k" kube-apiserver --version
  verify_binary kube-controller-manager "Kubernetes $k" kube-controller-manager --version
  verify_binary kube-scheduler "Kubernetes $k" kube-scheduler --version
  verify_binary kubectl "Client Version: $k" kubectl version --client
  verify_binary kubelet "Kubernetes $k" kubelet --version
  verify_binary kube-proxy "Kubernetes $k" kube-proxy --version
}
