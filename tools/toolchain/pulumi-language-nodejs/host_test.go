package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// serveHost serves a host in this process on a loopback port, as main does, and returns a client
// of it: the RPCs go through gRPC as the engine's do, so status codes are what the engine sees.
func serveHost(t *testing.T) pulumirpc.LanguageRuntimeClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	h := newHost("127.0.0.1:1")
	pulumirpc.RegisterLanguageRuntimeServer(srv, h)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { h.kids.stopAll(); srv.Stop() })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewLanguageRuntimeClient(conn)
}

// writeFiles writes files (path relative to dir -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func programInfo(dir string, opts map[string]any) *pulumirpc.ProgramInfo {
	s, err := structpb.NewStruct(opts)
	if err != nil {
		panic(err)
	}
	return &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".", Options: s}
}

func TestGetPluginInfoReportsTheStampedVersion(t *testing.T) {
	info, err := serveHost(t).GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil || info.GetVersion() != version {
		t.Fatalf("GetPluginInfo = %v, %v; want version %q", info, err, version)
	}
}

func TestAboutReportsTheNodeOnPath(t *testing.T) {
	node := nodeOnPath(t)
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	about, err := serveHost(t).About(context.Background(), &pulumirpc.AboutRequest{})
	want := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	if err != nil || about.GetExecutable() != node || about.GetVersion() != want {
		t.Fatalf("About = %v, %v; want %s version %s", about, err, node, want)
	}
}

func nodeOnPath(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH; the host runs programs with it (eval \"$(tools/toolchain/env.sh)\" and install Node.js)")
	}
	return node
}

// resourcePackages is a node_modules tree above and inside a program directory.
var resourcePackages = map[string]string{
	"node_modules/@pulumi/kubernetes/package.json": `{"name":"@pulumi/kubernetes","pulumi":{"resource":true,"name":"kubernetes","version":"4.25.0"}}`,
	"node_modules/@pulumi/random/package.json":     `{"pulumi":{"resource":true,"name":"random","version":"v4.1.0","server":"https://example.test/plugins"}}`,
	"node_modules/@pulumi/pulumi/package.json":     `{"name":"@pulumi/pulumi","version":"3.248.0"}`,
	"node_modules/not-a-plugin/package.json":       `{"pulumi":{"resource":false,"name":"nope"}}`,
	"node_modules/broken/package.json":             `{not json`,
	// The program's own node_modules has a nearer kubernetes: that one wins.
	"program/node_modules/@pulumi/kubernetes/package.json": `{"pulumi":{"resource":true,"name":"kubernetes","version":"4.26.0"}}`,
}

func TestGetRequiredPackagesListsResourcePluginsNearestFirst(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, resourcePackages)
	dir := filepath.Join(root, "program")
	resp, err := serveHost(t).GetRequiredPackages(context.Background(), &pulumirpc.GetRequiredPackagesRequest{Info: programInfo(dir, nil)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range resp.GetPackages() {
		if p.GetKind() != "resource" {
			t.Errorf("%s has kind %q, want resource", p.GetName(), p.GetKind())
		}
		got[p.GetName()] = p.GetVersion() + " " + p.GetServer()
	}
	want := map[string]string{"kubernetes": "v4.26.0 ", "random": "v4.1.0 https://example.test/plugins"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetRequiredPackages = %v; want %v", got, want)
	}
}

func TestGetRequiredPluginsAnswersOlderEnginesWithTheSameList(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, resourcePackages)
	resp, err := serveHost(t).GetRequiredPlugins(context.Background(), &pulumirpc.GetRequiredPluginsRequest{Info: programInfo(filepath.Join(root, "program"), nil)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range resp.GetPlugins() {
		got = append(got, p.GetKind()+" "+p.GetName()+" "+p.GetVersion())
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got, ","), "resource kubernetes v4.26.0") {
		t.Fatalf("GetRequiredPlugins = %v; want kubernetes v4.26.0 and random", got)
	}
}
