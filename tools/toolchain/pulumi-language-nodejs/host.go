package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitAfterReportedError is the runner's exit code for "the error was already reported to the
// engine": the host then answers with bail instead of repeating a generic message.
const exitAfterReportedError = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	// kids are the Node.js processes of running programs and policy packs.
	kids *children
}

func newHost(engineAddress string) *host {
	return &host{engineAddress: engineAddress, kids: newChildren()}
}

// Handshake records the engine's address (newer engines send it here instead of argv). It does
// not start the engine watch: an engine that started the host passes its address in argv too
// (main.go watches that one), and a host started by hand for the engine to attach to
// (PULUMI_DEBUG_LANGUAGES) serves run after run until it is stopped, as upstream's does.
func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.engineAddress = addr
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// About reports the node that runs programs (`pulumi about`, and the runtime.* metadata of
// every update).
func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node was not found on PATH: install Node.js, or put it on PATH")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "running %s --version: %v", node, err)
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimPrefix(strings.TrimSpace(string(out)), "v")}, nil
}

// GetRequiredPackages lists the resource plugins the program's node_modules ask for.
func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := pluginPackages(programDir(req.GetInfo()))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

// GetRequiredPlugins answers older engines with the same list.
func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := pluginPackages(programDir(req.GetInfo()))
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, len(deps))
	for i, d := range deps {
		plugins[i] = &pulumirpc.PluginDependency{Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func programDir(info *pulumirpc.ProgramInfo) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if d := info.GetRootDirectory(); d != "" {
		return d
	}
	d, _ := os.Getwd()
	return d
}

// findRunner finds @pulumi/pulumi's program runner in the node_modules above dir.
func findRunner(dir string) (string, error) {
	return findModule(dir, "run")
}

// findModule finds @pulumi/pulumi/cmd/<name> in the node_modules above dir.
func findModule(dir, name string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		runner := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(filepath.Join(runner, "index.js")); err == nil {
			return runner, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("@pulumi/pulumi was not found in any node_modules above %s: run `npm ci`", dir)
		}
	}
}

type pulumiField struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// pluginPackages lists resource plugins declared by packages in the node_modules above dir
// (package.json "pulumi": {"resource": true, ...}); the nearest declaration of a name wins.
func pluginPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]bool{}
	var deps []*pulumirpc.PackageDependency
	for d := dir; ; d = filepath.Dir(d) {
		modules := filepath.Join(d, "node_modules")
		entries, _ := os.ReadDir(modules)
		for _, e := range entries {
			pkgDirs := []string{filepath.Join(modules, e.Name())}
			if strings.HasPrefix(e.Name(), "@") {
				scoped, _ := os.ReadDir(pkgDirs[0])
				pkgDirs = pkgDirs[:0]
				for _, s := range scoped {
					pkgDirs = append(pkgDirs, filepath.Join(modules, e.Name(), s.Name()))
				}
			}
			for _, p := range pkgDirs {
				raw, err := os.ReadFile(filepath.Join(p, "package.json"))
				if err != nil {
					continue
				}
				var pkg struct {
					Pulumi *pulumiField `json:"pulumi"`
				}
				if json.Unmarshal(raw, &pkg) != nil || pkg.Pulumi == nil || !pkg.Pulumi.Resource || pkg.Pulumi.Name == "" {
					continue
				}
				if seen[pkg.Pulumi.Name] {
					continue
				}
				seen[pkg.Pulumi.Name] = true
				v := pkg.Pulumi.Version
				if v != "" && !strings.HasPrefix(v, "v") {
					v = "v" + v
				}
				deps = append(deps, &pulumirpc.PackageDependency{Name: pkg.Pulumi.Name, Kind: "resource", Version: v, Server: pkg.Pulumi.Server})
			}
		}
		if filepath.Dir(d) == d {
			return deps, nil
		}
	}
}

// RunPlugin runs a plugin written in Node.js; the engine uses it for policy packs (kind
// "analyzer"), which @pulumi/pulumi's policy pack runner serves. Output and the exit code stream
// back to the engine.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if kind := req.GetKind(); kind != "" && kind != "analyzer" {
		return unsupported(fmt.Sprintf("running plugins of kind %q", kind),
			"only policy packs (kind analyzer) run on it; use the plugin's published binary")
	}
	// The plugin's own directory (the policy pack), not the program's: the runner loads "." and
	// the pack reads its package.json from the working directory.
	dir := programDir(req.GetInfo())
	runner, err := findModule(dir, "run-policy-pack")
	if err != nil {
		return err
	}
	// The runner expects the engine address and the policy pack program (the directory).
	args := append([]string{runner}, req.GetArgs()...)
	args = append(args, ".")
	cmd, release := h.kids.command(server.Context(), "node", args...)
	defer release()
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	cmd.Stdout = streamWriter(func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	})
	cmd.Stderr = streamWriter(func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	})
	err = h.kids.run(cmd)
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// streamWriter turns each Write into one message; gRPC streams are not safe for concurrent sends,
// so writes are serialised.
type streamWriter func([]byte) error

var sendMu sync.Mutex

func (w streamWriter) Write(p []byte) (int, error) {
	sendMu.Lock()
	defer sendMu.Unlock()
	b := append([]byte(nil), p...)
	if err := w(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
