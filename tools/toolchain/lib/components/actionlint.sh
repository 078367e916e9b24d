# shellcheck shell=bash
# Component "actionlint": lints the GitHub workflows (with shellcheck on their scripts).

actionlint_version() { echo "$ACTIONLINT_VERSION"; }

actionlint_binaries() {
  echo "actionlint actionlint github.com/rhysd/actionlint/cmd/actionlint"
}

actionlint_pins() {
  echo "actionlint github.com/rhysd/actionlint v${ACTIONLINT_VERSION}"
}

actionlint_ldflags() {
  echo "-X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}"
}

actionlint_verify() {
  verify_binary actionlint "${ACTIONLINT_VERSION}" actionlint -version
}
