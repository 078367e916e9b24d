package main

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The LanguageRuntime RPCs this host does not implement. Each answers Unimplemented, which the
// engine understands (an empty success would look like "done, nothing to do"), with what is
// missing and what to do instead. The CLI's own handling of Unimplemented, per RPC (in
// sdk/go/common/resource/plugin/langruntime_plugin.go): RuntimeOptionsPrompts means no prompts,
// Template and Cancel mean nothing to do, and the code generators and Pack/Link fail the command
// with this message.

// unsupported is the Unimplemented status for an RPC, saying what to do instead.
func unsupported(what, instead string) error {
	return status.Errorf(codes.Unimplemented, "this project's Node.js language host (pulumi-language-nodejs "+
		"in the source-built toolchain) does not support %s; %s", what, instead)
}

const officialHost = "run that command with the official Pulumi CLI, whose Node.js language host does"

// RuntimeOptionsPrompts is asked by `pulumi new` for runtime options to prompt for.
func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return nil, unsupported("prompting for runtime options",
		"set them under runtime.options in Pulumi.yaml (typescript, tsconfig, nodeargs, packagemanager)")
}

// Template is asked by `pulumi new` to adapt a template to the project.
func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return nil, unsupported("adapting templates", "edit the new project's package.json by hand if needed")
}

// GenerateProgram is used by `pulumi convert` to write a Node.js program.
func (h *host) GenerateProgram(context.Context, *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, unsupported("generating programs (pulumi convert, pulumi import --out)", officialHost)
}

// GenerateProject is used by `pulumi convert` to write a Node.js project.
func (h *host) GenerateProject(context.Context, *pulumirpc.GenerateProjectRequest) (*pulumirpc.GenerateProjectResponse, error) {
	return nil, unsupported("generating projects (pulumi convert)", officialHost)
}

// GeneratePackage is used by `pulumi package gen-sdk` and `pulumi package add` to write an SDK.
func (h *host) GeneratePackage(context.Context, *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return nil, unsupported("generating SDKs (pulumi package gen-sdk, pulumi package add)",
		"install the provider's published npm package instead, or "+officialHost)
}

// Pack is used to build a generated SDK into an npm package.
func (h *host) Pack(context.Context, *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return nil, unsupported("packing SDKs", "run `npm pack` in the SDK's directory instead")
}

// Link is used by `pulumi package add` and `pulumi install` to add a local SDK to the program.
func (h *host) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return nil, unsupported("linking local SDKs into the program (packages: in Pulumi.yaml)",
		"add the SDK with `npm install <path or package>` instead")
}

// Cancel is sent when the engine is interrupted. The host keeps no work between calls to give up:
// the programs it runs are stopped with the engine's calls (stop.go).
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return nil, unsupported("Cancel", "nothing to do: programs stop with the engine's calls")
}
