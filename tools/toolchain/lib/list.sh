# shellcheck shell=bash
# --list: components, versions, cache keys and whether each is built. Builds nothing.

list_components() {
  local c key dest state name bins
  printf '%-20s %-10s %-26s %-10s %s\n' COMPONENT VERSION KEY STATUS BINARIES
  for c in "$@"; do
    key="$(comp_key "$c")"
    dest="$TOOLCHAIN_DIR/$c/$key"
    state="missing"
    is_built "$c" "$dest" && state="built"
    bins=""
    while read -r name _; do bins+="$name "; done < <(comp_binaries "$c")
    printf '%-20s %-10s %-26s %-10s %s\n' "$c" "v$(comp_version "$c")" "$key" "$state" "$bins"
  done
}
