# shellcheck shell=bash
# The cache key of a component: its install directory is
#   $TOOLCHAIN_DIR/<component>/v<version>-<first 12 hex of a sha256>
# A change of anything hashed here is a rebuild (about 25 minutes for everything on 2 cores), so
# the hashed text must stay byte for byte what it is.

# Files whose content goes into the cache key: go.mod, go.sum and the Go
# sources (tests excluded) of each module directory of the component, and of the
# project's own modules it uses through a directory replace (pluginexit).
comp_key_files() {
  local dir f
  while read -r dir; do
    for f in "$HERE/$dir"/go.mod "$HERE/$dir"/go.sum "$HERE/$dir"/*.go; do
      [[ -f "$f" && "$f" != *_test.go ]] && echo "$f"
    done
  done < <(comp_dirs "$1" && comp_local_replaces "$1")
  return 0
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | cut -c1-64
  else
    shasum -a 256 | cut -c1-64
  fi
}

# Prints "v<version>-<hash>" for a component.
comp_key() {
  local c="$1" f hash name dir pkg
  hash="$(
    {
      while read -r f; do
        printf 'file %s\n' "${f#"$HERE/"}"
        cat "$f"
      done < <(comp_key_files "$c")
      printf 'go %s %s/%s cgo=%s\n' "$GO_VERSION" "$GO_OS" "$GO_ARCH" "$CGO_ENABLED"
      printf 'flags %s\n' "${GO_BUILD_FLAGS[*]}"
      while read -r name dir pkg; do
        printf 'binary %s %s %s ldflags -s -w %s\n' "$name" "$dir" "$pkg" "$(comp_ldflags "$c" "$name")"
      done < <(comp_binaries "$c")
    } | sha256
  )"
  echo "v$(comp_version "$c")-${hash:0:12}"
}

# Whether the component's build for its key is complete: the stamp and every binary.
is_built() {
  local c="$1" dest="$2" name dir pkg
  [[ -f "$dest/$STAMP_NAME" ]] || return 1
  while read -r name dir pkg; do
    [[ -x "$dest/$name" ]] || return 1
  done < <(comp_binaries "$c")
}
