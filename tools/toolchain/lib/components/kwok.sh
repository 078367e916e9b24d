# shellcheck shell=bash
# Component "kwok": simulates nodes and the pods on them.

kwok_version() { echo "$KWOK_VERSION"; }

kwok_binaries() {
  echo "kwok kwok sigs.k8s.io/kwok/cmd/kwok"
}

kwok_pins() {
  echo "kwok sigs.k8s.io/kwok v${KWOK_VERSION}"
}

kwok_ldflags() {
  echo "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION}"
}

kwok_verify() {
  verify_binary kwok "v${KWOK_VERSION}" kwok --version
}
