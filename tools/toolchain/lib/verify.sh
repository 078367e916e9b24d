# shellcheck shell=bash
# --verify: every installed binary exists, runs and reports the expected version. Builds
# nothing; each component's checks are its <name>_verify (lib/components/<name>.sh).

VERIFY_FAILED=0
VERIFY_HOME=""

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

# prints the first line a plugin writes to stdout (its port) within 3 seconds.
plugin_port() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  run_with_timeout bash -c '"$@" & pid=$!; sleep 3; kill $pid 2>/dev/null; wait $pid 2>/dev/null; true' _ "$@" | head -n 1
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
