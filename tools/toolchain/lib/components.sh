# shellcheck shell=bash
# The components and what each one is: lib/components/<name>.sh defines, for a component
# <name> (with "-" as "_" in function names):
#   <name>_version             its version, from versions.env
#   <name>_binaries            lines of "<binary> <module dir> <package>": the module dir is
#                              relative to tools/toolchain, and the package is built from inside it
#   <name>_pins                lines of "<module dir> <module> <expected version>", checked against
#                              the go.mod files so that versions.env stays the single source of
#                              versions (for a replaced module, the replacement's version)
#   <name>_ldflags <binary>    -X flags for one binary (added to "-s -w")
#   <name>_prepare             (optional) files to generate into a module directory before building
#   <name>_verify              checks that the installed binaries run and report the version

ALL_COMPONENTS=(pulumi kubernetes-provider kubernetes etcd kwok actionlint)

for _component in "${ALL_COMPONENTS[@]}"; do
  # shellcheck source=/dev/null
  . "$HERE/lib/components/$_component.sh"
done
unset _component

is_component() {
  local c
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ "$c" == "$1" ]] && return 0
  done
  return 1
}

# comp_call <component> <what> [args...]: runs <component>_<what>.
comp_call() {
  local c="$1" what="$2"
  shift 2
  "${c//-/_}_${what}" "$@"
}

comp_version() { comp_call "$1" version; }
comp_binaries() { comp_call "$1" binaries; }
comp_pins() { comp_call "$1" pins; }
# comp_ldflags <component> <binary>
comp_ldflags() { comp_call "$1" ldflags "$2"; }
verify_component() { comp_call "$1" verify; }

# Whether a component has files to generate before building.
comp_needs_prepare() { declare -F "${1//-/_}_prepare" >/dev/null; }
comp_prepare() { comp_call "$1" prepare; }

# The module directories of a component, in build order.
comp_dirs() {
  local dir seen=" "
  while read -r _ dir _; do
    [[ "$seen" == *" $dir "* ]] && continue
    seen+="$dir "
    echo "$dir"
  done < <(comp_binaries "$1")
}

# Sibling module directories the component's go.mod files replace a module with
# ("=> ../<dir>"), once each.
comp_local_replaces() {
  local dir
  while read -r dir; do
    sed -n 's|^\(replace[[:space:]]\)\{0,1\}[[:space:]]*[^[:space:]]*[[:space:]]*=>[[:space:]]*\.\./\([A-Za-z0-9._-]*\)[[:space:]]*$|\2|p' \
      "$HERE/$dir/go.mod"
  done < <(comp_dirs "$1") | sort -u
}
