# shellcheck shell=bash
# Building a component into its keyed directory: a partial directory that becomes the install
# directory only after every binary is built, a stamp, and the links in $TOOLCHAIN_DIR/bin.

PARTIAL_DIR=""

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

# The steps: fetch the modules, generate files, build each binary.
compile_component() {
  local c="$1" version="$2" log="$3" dir name pkg
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
      go build "${GO_BUILD_FLAGS[@]}" -ldflags "-s -w $(comp_ldflags "$c" "$name")" -o "$PARTIAL_DIR/$name" "$pkg"
  done < <(comp_binaries "$c")
}

# write_stamp <component> <version> <key> <seconds>: what was built, into the partial directory.
write_stamp() {
  local c="$1" version="$2" key="$3" seconds="$4" name dir pkg
  {
    echo "component=$c"
    echo "version=$version"
    echo "key=$key"
    echo "go=$GO_VERSION $GO_OS/$GO_ARCH"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$seconds"
    while read -r name dir pkg; do
      echo "binary=$name $dir $pkg"
    done < <(comp_binaries "$c")
  } >"$PARTIAL_DIR/$STAMP_NAME.tmp"
}

build_component() {
  local c="$1" version key dest log
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
  compile_component "$c" "$version" "$log"
  write_stamp "$c" "$version" "$key" "$((SECONDS - start))"

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

# Builds the components one after the other, under a lock: a second build waits.
build_components() {
  mkdir -p "$TOOLCHAIN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLCHAIN_DIR/.lock"
    if ! flock -n 9; then
      echo "build.sh: waiting for another build of $TOOLCHAIN_DIR to finish ..." >&2
      flock 9
    fi
  fi

  local start=$SECONDS c
  echo "toolchain: $TOOLCHAIN_DIR ($GO_VERSION $GO_OS/$GO_ARCH)"
  for c in "$@"; do
    build_component "$c"
  done
  echo "done in $((SECONDS - start))s; binaries in $TOOLCHAIN_DIR/bin (eval \"\$(${HERE#"$PWD/"}/env.sh)\")"
}
