package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestRunArgsPutNodeargsFirstAndTheProgramAfterTheRunnersFlags(t *testing.T) {
	cases := []struct {
		name string
		req  *pulumirpc.RunRequest
		want []string
	}{{
		name: "Pulumi.yaml without main: the runner reads package.json's main",
		req: &pulumirpc.RunRequest{Project: "p", Stack: "dev", Pwd: "/w", Organization: "org", Parallel: 4,
			MonitorAddress: "127.0.0.1:9", Info: &pulumirpc.ProgramInfo{}},
		want: []string{"RUNNER", "--monitor=127.0.0.1:9", "--engine=127.0.0.1:8", "--project=p", "--stack=dev",
			"--pwd=/w", "--organization=org", "--parallel=4", "."},
	}, {
		name: "nodeargs, a root directory, a preview, main and program arguments",
		req: &pulumirpc.RunRequest{Project: "p", Stack: "dev", Pwd: "/w/app", Program: "dist/index.js", DryRun: true,
			Args: []string{"--flag", "x"}, Info: programInfo("/w", map[string]any{"nodeargs": " --max-old-space-size=512  --trace-warnings "})},
		want: []string{"--max-old-space-size=512", "--trace-warnings", "RUNNER", "--monitor=", "--engine=127.0.0.1:8",
			"--project=p", "--stack=dev", "--pwd=/w/app", "--organization=", "--parallel=0", "--root-directory=/w",
			"--dry-run", "dist/index.js", "--flag", "x"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := runArgs(c.req, "RUNNER", "127.0.0.1:8"); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("runArgs =\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestRuntimeOptionsReadPulumiYamlsNamesWithTypescriptOnByDefault(t *testing.T) {
	cases := []struct {
		name string
		opts map[string]any
		want options
	}{
		{"no options", nil, options{typescript: true}},
		{"typescript off", map[string]any{"typescript": false}, options{typescript: false}},
		{"all of them", map[string]any{"typescript": true, "tsconfig": "tsconfig.pulumi.json", "nodeargs": "--inspect",
			"packagemanager": "pnpm"}, options{typescript: true, tsconfig: "tsconfig.pulumi.json", nodeArgs: "--inspect", packageManager: "pnpm"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := runtimeOptions(programInfo("/w", c.opts)); got != c.want {
				t.Fatalf("runtimeOptions = %+v; want %+v", got, c.want)
			}
		})
	}
}

// recordingRunner makes a program directory whose @pulumi/pulumi runner writes what node was
// started with (flags, arguments, the variables the SDK reads, the working directory) to a file.
func recordingRunner(t *testing.T) (dir, record string) {
	t.Helper()
	nodeOnPath(t)
	dir = t.TempDir()
	record = filepath.Join(dir, "record.json")
	js := `const env = {};
for (const k of Object.keys(process.env)) if (k.startsWith("PULUMI_")) env[k] = process.env[k];
require("fs").writeFileSync(` + jsString(record) + `, JSON.stringify({
  execArgv: process.execArgv, argv: process.argv.slice(2), cwd: process.cwd(), env }));
`
	writeFiles(t, dir, map[string]string{"node_modules/@pulumi/pulumi/cmd/run/index.js": js})
	return dir, record
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type runRecord struct {
	ExecArgv []string          `json:"execArgv"`
	Argv     []string          `json:"argv"`
	Cwd      string            `json:"cwd"`
	Env      map[string]string `json:"env"`
}

func runRecorded(t *testing.T, opts map[string]any, tweak func(*pulumirpc.RunRequest)) (*pulumirpc.RunResponse, runRecord) {
	t.Helper()
	dir, record := recordingRunner(t)
	req := &pulumirpc.RunRequest{Pwd: dir, Project: "p", Stack: "dev", Info: programInfo(dir, opts),
		Config: map[string]string{"p:greeting": "hi"}, ConfigSecretKeys: []string{"p:token"}}
	if tweak != nil {
		tweak(req)
	}
	resp, err := serveHost(t).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var rec runRecord
	if raw, err := os.ReadFile(record); err == nil {
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Cwd != dir {
			t.Errorf("the program ran in %s; want its pwd %s", rec.Cwd, dir)
		}
	}
	return resp, rec
}

func TestRunHandsTheProgramConfigAndTypeScriptSettingsThroughTheEnvironment(t *testing.T) {
	resp, rec := runRecorded(t, map[string]any{"nodeargs": "--no-warnings", "tsconfig": "tsconfig.pulumi.json"}, nil)
	if resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run answered %v", resp)
	}
	want := map[string]string{
		"PULUMI_CONFIG": `{"p:greeting":"hi"}`, "PULUMI_CONFIG_SECRET_KEYS": `["p:token"]`,
		"PULUMI_NODEJS_TYPESCRIPT": "true", "PULUMI_NODEJS_TSCONFIG_PATH": "tsconfig.pulumi.json",
	}
	for k, v := range want {
		if rec.Env[k] != v {
			t.Errorf("%s = %q; want %q", k, rec.Env[k], v)
		}
	}
	if !reflect.DeepEqual(rec.ExecArgv, []string{"--no-warnings"}) {
		t.Errorf("node was started with %q; want the nodeargs option, --no-warnings", rec.ExecArgv)
	}
	if len(rec.Argv) == 0 || rec.Argv[len(rec.Argv)-1] != "." {
		t.Errorf("runner arguments %q; want the program \".\" last", rec.Argv)
	}
}

func TestRunWithTypescriptOffTellsTheRunnerNotToLoadTsNode(t *testing.T) {
	_, rec := runRecorded(t, map[string]any{"typescript": false}, nil)
	if rec.Env["PULUMI_NODEJS_TYPESCRIPT"] != "false" {
		t.Fatalf("PULUMI_NODEJS_TYPESCRIPT = %q; want false", rec.Env["PULUMI_NODEJS_TYPESCRIPT"])
	}
	if _, set := rec.Env["PULUMI_NODEJS_TSCONFIG_PATH"]; set {
		t.Fatal("PULUMI_NODEJS_TSCONFIG_PATH is set without a tsconfig option")
	}
}

func TestRunRefusesToAttachADebuggerItCannotOffer(t *testing.T) {
	resp, rec := runRecorded(t, nil, func(r *pulumirpc.RunRequest) { r.AttachDebugger = true })
	if !strings.Contains(resp.GetError(), "--attach-debugger is not supported") || !strings.Contains(resp.GetError(), "--inspect-brk") {
		t.Fatalf("Run answered %q; want a refusal naming --attach-debugger and nodeargs", resp.GetError())
	}
	if rec.Argv != nil {
		t.Fatal("the program ran anyway")
	}
}

func TestRunReportsTheProgramsExitCodeAndBailsOnAReportedError(t *testing.T) {
	for code, want := range map[int]*pulumirpc.RunResponse{
		3:                      {Error: "the Node.js program exited with code 3"},
		exitAfterReportedError: {Bail: true},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"node_modules/@pulumi/pulumi/cmd/run/index.js": "process.exit(" + itoa(code) + ");\n"})
		resp, err := serveHost(t).Run(context.Background(), &pulumirpc.RunRequest{Pwd: dir, Info: programInfo(dir, nil)})
		if err != nil || resp.GetError() != want.GetError() || resp.GetBail() != want.GetBail() {
			t.Errorf("exit %d: Run = %v, %v; want %v", code, resp, err, want)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestRunWithoutTheSdkInstalledSaysToInstallIt(t *testing.T) {
	dir := t.TempDir()
	resp, err := serveHost(t).Run(context.Background(), &pulumirpc.RunRequest{Pwd: dir, Info: programInfo(dir, nil)})
	if err != nil || !strings.Contains(resp.GetError(), "@pulumi/pulumi was not found") || !strings.Contains(resp.GetError(), "npm ci") {
		t.Fatalf("Run = %v, %v; want an error naming @pulumi/pulumi and npm ci", resp, err)
	}
}
