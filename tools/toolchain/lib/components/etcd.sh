# shellcheck shell=bash
# Component "etcd": the control plane's store.

etcd_version() { echo "$ETCD_VERSION"; }

etcd_binaries() {
  echo "etcd etcd go.etcd.io/etcd/server/v3"
}

etcd_pins() {
  echo "etcd go.etcd.io/etcd/server/v3 v${ETCD_VERSION}"
  echo "etcd go.etcd.io/etcd/api/v3 v${ETCD_VERSION}"
}

# The etcd version is a constant of the api module; upstream's release
# build only stamps the short commit.
etcd_ldflags() {
  if [[ -n "${ETCD_GIT_COMMIT:-}" ]]; then
    echo "-X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_GIT_COMMIT:0:7}"
  fi
}

etcd_verify() {
  verify_binary etcd "etcd Version: ${ETCD_VERSION}" etcd --version
}
