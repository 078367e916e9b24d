// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// The upstream command embeds a schema that is generated at release time and
// is not part of the published Go module, so this program embeds the schema and
// the Terraform mapping shipped in the module and stamps the package version
// into the schema at start-up. build.sh copies both JSON files next to this
// file before compiling.
//
// It also makes the provider leave nothing behind (see ../pluginexit): it exits
// soon after the engine dies, and everything it writes to the temp dir goes to a
// private directory that is removed when it ends. The provider writes the
// cluster's credentials (a client key) to a new os.CreateTemp("", "kubeconfig")
// file for its Helm client every time an explicit provider is configured
// (writeKubeconfigToFile in pkg/provider/util.go) and never removes it. Serve
// ends the process with os.Exit only when it cannot serve at all, before any
// configure; the next provider's start sweeps that directory.
package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strconv"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	"steady.dev/toolchain/pluginexit"
)

//go:embed schema.json
var schemaJSON []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

// versionedSchema returns the schema with a top-level "version" property, so the
// SDKs generated from it and the plugin report the same package version.
func versionedSchema(schema []byte, v string) ([]byte, error) {
	trimmed := bytes.TrimLeft(schema, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("embedded schema is not a JSON object")
	}
	out := make([]byte, 0, len(trimmed)+len(v)+16)
	out = append(out, `{"version":`...)
	out = strconv.AppendQuote(out, v)
	out = append(out, ',')
	return append(out, trimmed[1:]...), nil
}

func main() {
	if version.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-kubernetes: built without a version (set -X .../pkg/version.Version)")
		os.Exit(1)
	}
	schema, err := versionedSchema(schemaJSON, version.Version)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-kubernetes: %v\n", err)
		os.Exit(1)
	}
	cleanup := pluginexit.LeaveNothingBehind("pulumi-resource-kubernetes", os.Args[1:])
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
	cleanup()
}
