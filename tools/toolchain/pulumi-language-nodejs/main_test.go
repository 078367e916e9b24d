package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// exitBound is how soon after its engine dies the host and its program must be gone.
const exitBound = 5 * time.Second

// The test binary doubles as the host and as a fake engine (HOST_TEST_ROLE), so that both can
// be SIGKILLed like the real ones.
func TestMain(m *testing.M) {
	switch os.Getenv("HOST_TEST_ROLE") {
	case "":
		os.Exit(m.Run())
	case "host":
		main()
	case "engine":
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		fmt.Println(lis.Addr().String())
		_ = srv.Serve(lis)
	}
}

// startRole starts the test binary as role and returns it and the first line it prints.
func startRole(t *testing.T, role string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "HOST_TEST_ROLE="+role), env...)
	cmd.Stderr = os.Stderr
	// Like the engine, which starts each plugin in its own process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%s printed no first line: %v", role, err)
	}
	return cmd, strings.TrimSpace(line)
}

// fakeProgram makes a program directory whose @pulumi/pulumi runner writes node's pid to
// pidfile, ignores SIGTERM (a program that does not stop when asked) and runs forever.
func fakeProgram(t *testing.T) (dir, pidfile string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH; the host runs programs with it (eval \"$(tools/toolchain/env.sh)\" and install Node.js)")
	}
	dir = t.TempDir()
	pidfile = filepath.Join(dir, "node.pid")
	runner := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if err := os.MkdirAll(runner, 0o755); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf("require('fs').writeFileSync(%q, String(process.pid));\n"+
		"process.on('SIGTERM', () => {});\nsetInterval(() => {}, 1000);\n", pidfile)
	if err := os.WriteFile(filepath.Join(runner, "index.js"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pidfile
}

// startRun calls Run on the host at port in the background and returns the call's result.
func startRun(t *testing.T, port, dir string, config map[string]string) <-chan *pulumirpc.RunResponse {
	t.Helper()
	conn, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	result := make(chan *pulumirpc.RunResponse, 1)
	go func() {
		resp, err := pulumirpc.NewLanguageRuntimeClient(conn).Run(context.Background(), &pulumirpc.RunRequest{
			Pwd: dir, Program: ".", Config: config,
			Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "."},
		})
		if err != nil {
			resp = &pulumirpc.RunResponse{Error: "rpc: " + err.Error()}
		}
		result <- resp
	}()
	return result
}

// waitForPid waits for the fake program to write its pid.
func waitForPid(t *testing.T, pidfile string) int {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatal("the program never started")
	return 0
}

// gone reports whether pid has ended (a zombie nobody reaped yet counts as ended).
func gone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == syscall.ESRCH
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// waitGone returns how long pid took to end, failing after bound.
func waitGone(t *testing.T, what string, pid int, since time.Time, bound time.Duration) time.Duration {
	t.Helper()
	for !gone(pid) {
		if time.Since(since) > bound {
			t.Fatalf("%s (pid %d) still running %s later", what, pid, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(since)
}

func TestTheHostStopsItsProgramAndExitsWhenTheEngineIsSIGKILLed(t *testing.T) {
	dir, pidfile := fakeProgram(t)
	engine, addr := startRole(t, "engine", nil)
	host, port := startRole(t, "host", nil, addr)
	startRun(t, port, dir, nil)
	node := waitForPid(t, pidfile)
	if err := engine.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	// This program ignores SIGTERM, so it takes the grace on top of the bound (about 3.2 s in
	// all on a loaded 2-core machine); the slack keeps the test from failing on a slow scheduler.
	bound := exitBound + programStopGrace
	nodeTook := waitGone(t, "the Node.js program", node, killed, bound)
	hostTook := waitGone(t, "the language host", host.Process.Pid, killed, bound)
	t.Logf("engine SIGKILLed; program gone after %s, host after %s (the program ignores SIGTERM, so this includes the %s grace)",
		nodeTook.Round(time.Millisecond), hostTook.Round(time.Millisecond), programStopGrace)
}

func TestTheProgramDiesWithAHostThatIsSIGKILLed(t *testing.T) {
	dir, pidfile := fakeProgram(t)
	_, addr := startRole(t, "engine", nil)
	host, port := startRole(t, "host", nil, addr)
	startRun(t, port, dir, nil)
	node := waitForPid(t, pidfile)
	// Only the host, not its process group: the kernel must take the program down with it.
	if err := host.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := waitGone(t, "the Node.js program", node, time.Now(), exitBound)
	t.Logf("host SIGKILLed; program gone after %s", took.Round(time.Millisecond))
}

func TestRunRefusesConfigTooLargeForExecveAndNamesTheKey(t *testing.T) {
	dir, pidfile := fakeProgram(t)
	_, addr := startRole(t, "engine", nil)
	_, port := startRole(t, "host", nil, addr)
	result := startRun(t, port, dir, map[string]string{
		"app:bundle": "SECRETVALUE" + strings.Repeat("x", 140_000), "app:name": "demo",
	})
	var resp *pulumirpc.RunResponse
	select {
	case resp = <-result:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not answer")
	}
	if !strings.Contains(resp.GetError(), `"app:bundle" (140027 bytes)`) || strings.Contains(resp.GetError(), "SECRETVALUE") ||
		strings.Contains(resp.GetError(), "app:name") {
		t.Fatalf("Run answered %q; want an error naming app:bundle and its size, without its value", resp.GetError())
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Fatalf("node was started anyway: %v", err)
	}
}
