package pluginexit

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// serveLoopback serves a gRPC server on a free loopback port; register adds its services.
func serveLoopback(t *testing.T, register func(*grpc.Server)) (*grpc.Server, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return srv, lis.Addr().String()
}

func withHealth(srv *grpc.Server) { healthpb.RegisterHealthServer(srv, health.NewServer()) }

// alive fails the test if ctx ends within d.
func staysAlive(t *testing.T, ctx context.Context, d time.Duration, why string) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatalf("the watch gave up on a living engine: %s", why)
	case <-time.After(d):
	}
}

// doneWithin returns how long ctx took to end, failing the test after bound.
func doneWithin(t *testing.T, ctx context.Context, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-ctx.Done():
		return time.Since(start)
	case <-time.After(bound):
		t.Fatalf("the watch did not notice the engine's death within %s", bound)
		return 0
	}
}

func TestWatchEngineNoticesAnEngineThatStopsServing(t *testing.T) {
	srv, addr := serveLoopback(t, withHealth)
	ctx, err := WatchEngine(context.Background(), addr, DefaultEngineCheck)
	if err != nil {
		t.Fatal(err)
	}
	staysAlive(t, ctx, 2500*time.Millisecond, "the engine answers every check")
	srv.Stop()
	took := doneWithin(t, ctx, exitBound)
	t.Logf("engine stopped; watch ended %s later", took.Round(time.Millisecond))
}

func TestWatchEngineNoticesASIGKILLedEngineProcess(t *testing.T) {
	engine, addr := startRole(t, "engine", nil)
	ctx, err := WatchEngine(context.Background(), addr, DefaultEngineCheck)
	if err != nil {
		t.Fatal(err)
	}
	staysAlive(t, ctx, 1500*time.Millisecond, "the engine process runs")
	if err := engine.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := doneWithin(t, ctx, exitBound)
	t.Logf("engine SIGKILLed; watch ended %s later", took.Round(time.Millisecond))
}

func TestWatchEngineCountsAnEngineWithoutHealthServiceAsAlive(t *testing.T) {
	_, addr := serveLoopback(t, func(*grpc.Server) {})
	ctx, err := WatchEngine(context.Background(), addr, EngineCheck{Interval: 20 * time.Millisecond, Confirm: 10 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	staysAlive(t, ctx, time.Second, "Unimplemented is an answer")
}

// slowHealth answers health checks only after delay: a busy engine.
type slowHealth struct {
	healthpb.UnimplementedHealthServer
	delay time.Duration
}

func (s slowHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func TestWatchEngineCountsAnEngineTooBusyToAnswerAsAlive(t *testing.T) {
	_, addr := serveLoopback(t, func(s *grpc.Server) { healthpb.RegisterHealthServer(s, slowHealth{delay: time.Hour}) })
	ctx, err := WatchEngine(context.Background(), addr, EngineCheck{Interval: 20 * time.Millisecond, Confirm: 10 * time.Millisecond, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	staysAlive(t, ctx, time.Second, "a check that times out means busy, not dead")
}

func TestWatchEngineEndsWithItsParent(t *testing.T) {
	_, addr := serveLoopback(t, withHealth)
	parent, cancel := context.WithCancel(context.Background())
	ctx, err := WatchEngine(parent, addr, DefaultEngineCheck)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	doneWithin(t, ctx, time.Second)
}

func TestEngineAddressFromArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"127.0.0.1:4000"}, "127.0.0.1:4000"},
		{[]string{"--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9411", "127.0.0.1:4000"}, "127.0.0.1:4000"},
		{[]string{"--tracing", "127.0.0.1:9411"}, ""},
		{[]string{"-v=9"}, ""},
		{[]string{"not-an-address"}, ""},
		{nil, ""},
	} {
		if got := EngineAddressFromArgs(tc.args); got != tc.want {
			t.Errorf("EngineAddressFromArgs(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
