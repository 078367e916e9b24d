package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Run executes the program with the SDK's runner and reports how it ended.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		// Upstream's host starts node with --inspect and tells the engine where to attach; this one
		// has no debugger support, and running without one would silently ignore the request.
		return &pulumirpc.RunResponse{Error: "--attach-debugger is not supported by this language host; " +
			"set `runtime.options.nodeargs: --inspect-brk` in Pulumi.yaml and attach to the port node prints instead"}, nil
	}
	runner, err := findRunner(req.GetPwd())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnv(req, runtimeOptions(req.GetInfo()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd, release := h.kids.command(ctx, "node", runArgs(req, runner, h.engineAddress)...)
	defer release()
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), env...)
	return runResult(h.kids.run(cmd)), nil
}

// runArgs is node's command line for one Run: the nodeargs option, the SDK's runner, the
// runner's flags (the names @pulumi/pulumi/cmd/run parses), the program and its arguments.
func runArgs(req *pulumirpc.RunRequest, runner, engineAddress string) []string {
	args := append([]string{}, strings.Fields(runtimeOptions(req.GetInfo()).nodeArgs)...)
	args = append(args, runner,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+engineAddress,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+req.GetPwd(),
		"--organization="+req.GetOrganization(),
		"--parallel="+strconv.Itoa(int(req.GetParallel())),
	)
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory="+root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	program := req.GetProgram()
	if program == "" {
		// The runner takes "." as "no main in Pulumi.yaml": it then reads package.json's main.
		program = "."
	}
	args = append(args, program)
	return append(args, req.GetArgs()...)
}

// runEnv is what the program's environment adds to the host's: the stack's config and secret
// keys, and the TypeScript settings the runner reads (it loads ts-node only when
// PULUMI_NODEJS_TYPESCRIPT is "true").
func runEnv(req *pulumirpc.RunRequest, opts options) ([]string, error) {
	configVar, err := configEnv(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}
	env := []string{
		configVar,
		"PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(opts.typescript),
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env, nil
}

// runResult turns how node ended into the engine's answer.
func runResult(err error) *pulumirpc.RunResponse {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exit):
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.ExitStatus() == exitAfterReportedError {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("the Node.js program exited with code %d", exit.ExitCode())}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}
	}
}

// options are the Pulumi.yaml `runtime.options` this host reads (the names upstream's uses).
type options struct {
	// typescript runs the program through ts-node; it defaults to true, as upstream's.
	typescript bool
	// nodeArgs are extra node flags, split on whitespace.
	nodeArgs string
	// tsconfig is the tsconfig file ts-node uses instead of tsconfig.json.
	tsconfig string
	// packageManager is what `pulumi install` runs: npm, yarn, pnpm or bun.
	packageManager string
}

// runtimeOptions reads Pulumi.yaml's runtime options (typescript defaults to true, as upstream).
func runtimeOptions(info *pulumirpc.ProgramInfo) options {
	o := options{typescript: true}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["typescript"]; ok {
		o.typescript = v.GetBoolValue()
	}
	if v, ok := fields["nodeargs"]; ok {
		o.nodeArgs = v.GetStringValue()
	}
	if v, ok := fields["tsconfig"]; ok {
		o.tsconfig = v.GetStringValue()
	}
	if v, ok := fields["packagemanager"]; ok {
		o.packageManager = v.GetStringValue()
	}
	return o
}
