package main

import (
	"context"
	"io"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Every RPC of the LanguageRuntime service the host does not implement must answer
// Unimplemented (never an empty success, which the engine would take as "done") and say what to
// do instead. The list is checked against the service definition, so an RPC added to the
// protocol by an SDK upgrade fails this test until it is either implemented or listed here.
func TestEveryRpcTheHostDoesNotImplementAnswersUnimplementedWithWhatToDoInstead(t *testing.T) {
	c := serveHost(t)
	ctx := context.Background()
	unsupportedCalls := map[string]func() error{
		"RuntimeOptionsPrompts": func() error { _, err := c.RuntimeOptionsPrompts(ctx, &pulumirpc.RuntimeOptionsRequest{}); return err },
		"Template":              func() error { _, err := c.Template(ctx, &pulumirpc.TemplateRequest{}); return err },
		"GenerateProgram":       func() error { _, err := c.GenerateProgram(ctx, &pulumirpc.GenerateProgramRequest{}); return err },
		"GenerateProject":       func() error { _, err := c.GenerateProject(ctx, &pulumirpc.GenerateProjectRequest{}); return err },
		"GeneratePackage":       func() error { _, err := c.GeneratePackage(ctx, &pulumirpc.GeneratePackageRequest{}); return err },
		"Pack":                  func() error { _, err := c.Pack(ctx, &pulumirpc.PackRequest{}); return err },
		"Link":                  func() error { _, err := c.Link(ctx, &pulumirpc.LinkRequest{}); return err },
		"Cancel":                func() error { _, err := c.Cancel(ctx, &emptypb.Empty{}); return err },
		"RunPlugin": func() error { // only analyzer policy packs are supported
			s, err := c.RunPlugin(ctx, &pulumirpc.RunPluginRequest{Kind: "resource", Info: programInfo(t.TempDir(), nil)})
			if err != nil {
				return err
			}
			_, err = s.Recv()
			if err == io.EOF {
				return nil
			}
			return err
		},
	}
	implemented := []string{"Handshake", "GetRequiredPlugins", "GetRequiredPackages", "Run", "GetPluginInfo",
		"InstallDependencies", "About", "GetProgramDependencies", "RunPlugin"}
	var all []string
	for _, m := range pulumirpc.LanguageRuntime_ServiceDesc.Methods {
		all = append(all, m.MethodName)
	}
	for _, s := range pulumirpc.LanguageRuntime_ServiceDesc.Streams {
		all = append(all, s.StreamName)
	}
	for _, name := range all {
		_, isUnsupported := unsupportedCalls[name]
		if !isUnsupported && !contains(implemented, name) {
			t.Errorf("the LanguageRuntime RPC %s is neither implemented nor answered as unsupported", name)
		}
	}
	for name, call := range unsupportedCalls {
		err := call()
		msg := status.Convert(err).Message()
		if status.Code(err) != codes.Unimplemented || !strings.Contains(msg, "does not support") || !strings.Contains(msg, "; ") {
			t.Errorf("%s answered %v; want Unimplemented saying what is not supported and what to do instead", name, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
