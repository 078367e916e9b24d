#!/usr/bin/env bash
# Prints the environment for using the local toolchain built by build.sh:
#
#   eval "$(tools/toolchain/env.sh)"
#
# - puts ${STEADY_TOOLCHAIN_DIR}/bin first on PATH, so the Pulumi CLI finds the
#   Kubernetes provider plugin (pulumi-resource-kubernetes) there as an ambient
#   plugin and never downloads one;
# - turns off the Pulumi CLI's update check and automatic plugin downloads.
set -euo pipefail

TOOLCHAIN_DIR="${STEADY_TOOLCHAIN_DIR:-$HOME/.cache/steady/toolchain}"
BIN_DIR="$TOOLCHAIN_DIR/bin"

# Drop any existing copy of BIN_DIR from PATH so repeated evals do not grow it.
path=""
IFS=: read -r -a parts <<<"${PATH:-}"
for p in "${parts[@]}"; do
  [[ -z "$p" || "$p" == "$BIN_DIR" ]] && continue
  path="${path:+$path:}$p"
done

q() { printf '%q' "$1"; }

echo "export STEADY_TOOLCHAIN_DIR=$(q "$TOOLCHAIN_DIR")"
echo "export PATH=$(q "$BIN_DIR${path:+:$path}")"
echo "export PULUMI_SKIP_UPDATE_CHECK=true"
echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
