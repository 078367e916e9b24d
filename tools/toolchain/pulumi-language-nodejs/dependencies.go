package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// GetProgramDependencies lists the packages the program's package.json depends on, at the
// versions installed in node_modules (`pulumi about` prints them); with transitive, also what
// those depend on, as node would resolve it.
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	deps, err := programDependencies(programDir(req.GetInfo()), req.GetTransitiveDependencies())
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// packageJSON holds the fields of a package.json this host reads.
type packageJSON struct {
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

func readPackageJSON(path string) (packageJSON, error) {
	var p packageJSON
	raw, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return p, nil
}

// packageRoot is the nearest directory at or above dir with a package.json, the one the SDK's
// runner takes the program's package from.
func packageRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no package.json in %s or above it: a Node.js program needs one (npm init)", dir)
		}
	}
}

// installedPackage finds name in the node_modules at or above from, as require() would.
func installedPackage(from, name string) (dir string, pkg packageJSON, found bool, err error) {
	for d := from; ; d = filepath.Dir(d) {
		dir = filepath.Join(d, "node_modules", filepath.FromSlash(name))
		pkg, err = readPackageJSON(filepath.Join(dir, "package.json"))
		if err == nil {
			return dir, pkg, true, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", pkg, false, err
		}
		if filepath.Dir(d) == d {
			return "", pkg, false, nil
		}
	}
}

// programDependencies reads the program's package.json (dependencies and devDependencies) and
// the installed version of each; every dependency that is not installed is named in one error.
func programDependencies(dir string, transitive bool) ([]*pulumirpc.DependencyInfo, error) {
	root, err := packageRoot(dir)
	if err != nil {
		return nil, err
	}
	top, err := readPackageJSON(filepath.Join(root, "package.json"))
	if err != nil {
		return nil, err
	}
	type pending struct{ from, name string }
	var queue []pending
	for _, m := range []map[string]string{top.Dependencies, top.DevDependencies} {
		for name := range m {
			queue = append(queue, pending{root, name})
		}
	}
	seen := map[string]bool{} // installed package directories already listed
	var deps []*pulumirpc.DependencyInfo
	var missing []string
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		pkgDir, pkg, found, err := installedPackage(next.from, next.name)
		if err != nil {
			return nil, err
		}
		if !found {
			if next.from == root {
				missing = append(missing, next.name)
			}
			continue // an optional dependency of a dependency need not be installed
		}
		if seen[pkgDir] {
			continue
		}
		seen[pkgDir] = true
		deps = append(deps, &pulumirpc.DependencyInfo{Name: next.name, Version: pkg.Version})
		if transitive {
			for name := range pkg.Dependencies {
				queue = append(queue, pending{pkgDir, name})
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%s lists dependencies that are not installed in node_modules: %s; run `pulumi install` (or your package manager's install) in %s",
			filepath.Join(root, "package.json"), strings.Join(missing, ", "), root)
	}
	sort.Slice(deps, func(i, j int) bool {
		if deps[i].Name != deps[j].Name {
			return deps[i].Name < deps[j].Name
		}
		return deps[i].Version < deps[j].Version
	})
	return deps, nil
}

// InstallDependencies runs the project's package manager's `install` in the program's package
// directory (or the policy pack's), streaming its output to the CLI (`pulumi install`).
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	dir := programDir(req.GetInfo())
	if d := req.GetDirectory(); req.GetInfo() == nil && d != "" {
		dir = d // engines before ProgramInfo sent only the directory
	}
	root, err := packageRoot(dir)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	manager, err := packageManager(root, runtimeOptions(req.GetInfo()).packageManager)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	cmd, release := h.kids.command(server.Context(), manager, "install")
	defer release()
	cmd.Dir = root
	cmd.Stdout = streamWriter(func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	})
	cmd.Stderr = streamWriter(func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	})
	if err := h.kids.run(cmd); err != nil {
		return status.Errorf(codes.Unknown, "`%s install` in %s failed: %v", manager, root, err)
	}
	return nil
}

// packageManagers are the `packagemanager` option's values, each with the lockfile that
// selects it when the option is not set.
var packageManagers = []struct{ name, lockfile string }{
	{"npm", "package-lock.json"},
	{"yarn", "yarn.lock"},
	{"pnpm", "pnpm-lock.yaml"},
	{"bun", "bun.lock"},
}

// packageManager is the `packagemanager` option if set, else the one whose lockfile is nearest at
// or above root (a workspace member's lockfile is the workspace root's), else npm.
func packageManager(root, option string) (string, error) {
	if option != "" {
		names := make([]string, len(packageManagers))
		for i, m := range packageManagers {
			names[i] = m.name
			if m.name == option {
				return option, nil
			}
		}
		return "", fmt.Errorf("Pulumi.yaml: runtime.options.packagemanager is %q; valid values are %s",
			option, strings.Join(names, ", "))
	}
	for d := root; ; d = filepath.Dir(d) {
		for _, m := range packageManagers {
			if _, err := os.Stat(filepath.Join(d, m.lockfile)); err == nil {
				return m.name, nil
			}
		}
		if filepath.Dir(d) == d {
			return "npm", nil
		}
	}
}
