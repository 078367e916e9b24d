package pluginexit

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// exitBound is how soon after its engine dies a plugin must be gone.
const exitBound = 5 * time.Second

// The test binary doubles as the processes the tests need (an engine, a plugin), chosen by
// PLUGINEXIT_TEST_ROLE, so that they can be SIGKILLed like the real ones.
func TestMain(m *testing.M) {
	switch os.Getenv("PLUGINEXIT_TEST_ROLE") {
	case "":
		os.Exit(m.Run())
	case "engine":
		runFakeEngine()
	case "plugin":
		runFakePlugin()
	}
}

// runFakeEngine serves gRPC health on loopback, prints its address and waits to be killed.
func runFakeEngine() {
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

// runFakePlugin does what the provider's main does, then writes a kubeconfig-like file to the
// temp dir (as the provider does on configure), prints the file's path and serves forever.
func runFakePlugin() {
	cleanup := LeaveNothingBehind("pluginexit-test", os.Args[1:])
	defer cleanup()
	f, err := os.CreateTemp("", "kubeconfig")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = f.Close()
	fmt.Println(f.Name())
	select {}
}

// startRole starts the test binary as role with args and returns it and its first line of stdout.
func startRole(t *testing.T, role string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "PLUGINEXIT_TEST_ROLE="+role), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("%s printed no first line: %v", role, err)
	}
	return cmd, strings.TrimSpace(line)
}

// waitExit waits for cmd to end, at most bound, and returns how long it took.
func waitExit(t *testing.T, cmd *exec.Cmd, bound time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(bound):
		t.Fatalf("process %d still running %s later", cmd.Process.Pid, bound)
		return 0, nil
	}
}
