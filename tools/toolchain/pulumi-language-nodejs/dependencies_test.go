package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// installedProgram is a program package with its node_modules: a workspace-style layout where
// the program's package.json sits below the directory node_modules was installed into, and
// lodash is installed twice (the program's own copy is nearer than the hoisted one).
var installedProgram = map[string]string{
	"program/package.json": `{"name":"prog","main":"index.ts","dependencies":{"@pulumi/pulumi":"^3","lodash":"^4"},
		"devDependencies":{"typescript":"^5"}}`,
	"node_modules/@pulumi/pulumi/package.json": `{"version":"3.248.0","dependencies":{"semver":"^7","lodash":"^3"}}`,
	"node_modules/semver/package.json":         `{"version":"7.6.0"}`,
	"node_modules/lodash/package.json":         `{"version":"3.10.1"}`,
	"node_modules/typescript/package.json":     `{"version":"5.9.3","dependencies":{"optional-missing":"^1"}}`,
	"program/node_modules/lodash/package.json": `{"version":"4.17.21"}`,
}

func dependencies(t *testing.T, dir string, transitive bool) ([]string, error) {
	t.Helper()
	resp, err := serveHost(t).GetProgramDependencies(context.Background(),
		&pulumirpc.GetProgramDependenciesRequest{Info: programInfo(dir, nil), TransitiveDependencies: transitive})
	var got []string
	for _, d := range resp.GetDependencies() {
		got = append(got, d.GetName()+"@"+d.GetVersion())
	}
	return got, err
}

func TestGetProgramDependenciesReportsTheInstalledVersionsOfPackageJsonsDependencies(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, installedProgram)
	got, err := dependencies(t, filepath.Join(root, "program"), false)
	want := []string{"@pulumi/pulumi@3.248.0", "lodash@4.17.21", "typescript@5.9.3"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetProgramDependencies = %v, %v; want %v", got, err, want)
	}
}

func TestGetProgramDependenciesWithTransitiveFollowsNodesResolution(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, installedProgram)
	got, err := dependencies(t, filepath.Join(root, "program"), true)
	// @pulumi/pulumi resolves lodash from its own place: the hoisted 3.10.1.
	want := []string{"@pulumi/pulumi@3.248.0", "lodash@3.10.1", "lodash@4.17.21", "semver@7.6.0", "typescript@5.9.3"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetProgramDependencies(transitive) = %v, %v; want %v", got, err, want)
	}
}

func TestGetProgramDependenciesNamesEveryDependencyThatIsNotInstalled(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"package.json":                      `{"dependencies":{"a":"1","present":"1"},"devDependencies":{"b":"1"}}`,
		"node_modules/present/package.json": `{"version":"1.0.0"}`,
	})
	_, err := dependencies(t, root, false)
	msg := status.Convert(err).Message()
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(msg, "not installed in node_modules: a, b;") ||
		!strings.Contains(msg, "pulumi install") {
		t.Fatalf("GetProgramDependencies = %v; want FailedPrecondition naming a and b and `pulumi install`", err)
	}
}

// fakePackageManagers puts npm, yarn, pnpm and bun on PATH: each prints its name, arguments and
// working directory on stdout and a line on stderr, and exits with $FAKE_PM_EXIT.
func fakePackageManagers(t *testing.T) {
	t.Helper()
	bin := t.TempDir()
	for _, m := range packageManagers {
		writeFiles(t, bin, map[string]string{m.name: "#!/bin/sh\necho \"" + m.name + " $* in $PWD\"\necho progress >&2\nexit ${FAKE_PM_EXIT:-0}\n"})
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// install calls InstallDependencies and returns its stdout, stderr and final error.
func install(t *testing.T, info *pulumirpc.ProgramInfo) (stdout, stderr string, err error) {
	t.Helper()
	stream, err := serveHost(t).InstallDependencies(context.Background(), &pulumirpc.InstallDependenciesRequest{Info: info})
	if err != nil {
		return "", "", err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stdout, stderr, nil
		}
		if err != nil {
			return stdout, stderr, err
		}
		stdout += string(msg.GetStdout())
		stderr += string(msg.GetStderr())
	}
}

func TestInstallDependenciesRunsThePackageManagerInThePackageAndStreamsItsOutput(t *testing.T) {
	fakePackageManagers(t)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"package-lock.json": "{}", "program/package.json": "{}"})
	// Pulumi.yaml's main is a subdirectory: the install runs where package.json is.
	out, errOut, err := install(t, programInfo(filepath.Join(root, "program", "src"), nil))
	if err != nil || out != "npm install in "+filepath.Join(root, "program")+"\n" || errOut != "progress\n" {
		t.Fatalf("InstallDependencies = %q, %q, %v; want npm install in the package, with its stderr", out, errOut, err)
	}
}

func TestInstallDependenciesPicksThePackageManagerFromTheOptionOrTheLockfile(t *testing.T) {
	fakePackageManagers(t)
	cases := []struct {
		name  string
		files map[string]string
		opts  map[string]any
		want  string
	}{
		{"no lockfile", map[string]string{"package.json": "{}"}, nil, "npm"},
		{"a workspace root's yarn.lock", map[string]string{"yarn.lock": "", "app/package.json": "{}"}, nil, "yarn"},
		{"pnpm-lock.yaml", map[string]string{"pnpm-lock.yaml": "", "package.json": "{}"}, nil, "pnpm"},
		{"the option beats the lockfile", map[string]string{"package-lock.json": "", "package.json": "{}"}, map[string]any{"packagemanager": "bun"}, "bun"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, c.files)
			dir := root
			if _, err := os.Stat(filepath.Join(root, "app")); err == nil {
				dir = filepath.Join(root, "app")
			}
			out, _, err := install(t, programInfo(dir, c.opts))
			if err != nil || !strings.HasPrefix(out, c.want+" install in ") {
				t.Fatalf("InstallDependencies = %q, %v; want %s install", out, err, c.want)
			}
		})
	}
}

func TestInstallDependenciesFailsWithThePackageManagersFailure(t *testing.T) {
	fakePackageManagers(t)
	t.Setenv("FAKE_PM_EXIT", "7")
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"package.json": "{}"})
	out, _, err := install(t, programInfo(root, nil))
	if err == nil || !strings.Contains(err.Error(), "`npm install` in "+root+" failed: exit status 7") || out == "" {
		t.Fatalf("InstallDependencies = %q, %v; want npm's output, then its failure", out, err)
	}
}

func TestInstallDependenciesRejectsAnUnknownPackageManagerNamingTheValidOnes(t *testing.T) {
	fakePackageManagers(t)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"package.json": "{}"})
	_, _, err := install(t, programInfo(root, map[string]any{"packagemanager": "npx"}))
	if status.Code(err) != codes.InvalidArgument ||
		status.Convert(err).Message() != `Pulumi.yaml: runtime.options.packagemanager is "npx"; valid values are npm, yarn, pnpm, bun` {
		t.Fatalf("InstallDependencies = %v; want InvalidArgument naming the valid values", err)
	}
}

func TestInstallDependenciesWithoutPackageJsonSaysWhatIsMissing(t *testing.T) {
	fakePackageManagers(t)
	dir := t.TempDir()
	_, _, err := install(t, programInfo(dir, nil))
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "no package.json in "+dir) {
		t.Fatalf("InstallDependencies = %v; want FailedPrecondition naming the missing package.json", err)
	}
}
