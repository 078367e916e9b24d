// Package pluginexit is what the project's Pulumi plugins (the Node.js language host and the
// Kubernetes provider) do so that they never outlive the engine that started them and leave
// nothing behind when they end.
//
// Upstream's plugins check the engine's health every five minutes
// (sdk/go/common/util/rpcutil.Healthcheck as called by pkg/resource/provider.Main), and then only
// stop their gRPC server gracefully, which waits for every call in flight: a provider in the
// middle of awaiting a slow rollout keeps running for as long as that await lasts. With the
// engine SIGKILLed (a killed CLI, or a killed Automation API process whose CLI dies with it),
// the language host and the provider were still alive 20 minutes later.
package pluginexit

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// EngineCheck is how often and how patiently the engine is asked whether it is alive.
type EngineCheck struct {
	// Interval is the time between two checks while the engine answers.
	Interval time.Duration
	// Confirm is the time before a second check after one that found nothing listening: only
	// two such checks in a row count as the engine's death.
	Confirm time.Duration
	// Timeout bounds one check. A check that times out means a busy engine, not a dead one.
	Timeout time.Duration
}

// DefaultEngineCheck notices a dead engine within about Interval+Confirm (1.25 s), at the cost
// of one health call per second on a loopback connection the plugin already has open.
var DefaultEngineCheck = EngineCheck{Interval: time.Second, Confirm: 250 * time.Millisecond, Timeout: 5 * time.Second}

// WatchEngine returns a context that is cancelled once the engine at addr (host:port, the
// address the engine passes to its plugins) is dead, or when parent is done.
//
// Dead means "nothing accepts connections at addr any more", seen twice in a row: the check
// fails with codes.Unavailable, which gRPC reports when the connection is refused or reset. On
// loopback a living engine never refuses a connection, while a dead one always does (the kernel
// closes its listening socket when the process ends, however it ends). Any answer, including
// Unimplemented from an engine without a health service, means alive; a timeout means busy,
// and is not counted either way, so a slow machine never stops a deployment that is running.
func WatchEngine(parent context.Context, addr string, check EngineCheck) (context.Context, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(parent)
	go func() {
		defer conn.Close()
		defer cancel()
		client := healthpb.NewHealthClient(conn)
		refused := 0
		for refused < 2 {
			wait := check.Interval
			if refused > 0 {
				wait = check.Confirm
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if isRefused(probe(ctx, client, check.Timeout)) {
				refused++
			} else {
				refused = 0
			}
		}
	}()
	return ctx, nil
}

func probe(ctx context.Context, client healthpb.HealthClient, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	return err
}

func isRefused(err error) bool {
	return err != nil && status.Code(err) == codes.Unavailable
}

// EngineAddressFromArgs returns the engine's address from a plugin's command line: the engine
// puts its flags first (--logtostderr, -v=N, --tracing <endpoint>) and its address last. It
// returns "" when the last argument is a flag or there is none (a plugin started by hand, or in
// attach mode, has no engine to watch).
func EngineAddressFromArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	last := args[len(args)-1]
	if strings.HasPrefix(last, "-") || !strings.Contains(last, ":") {
		return ""
	}
	// "--tracing <endpoint>" as the last pair means the address is missing.
	if len(args) >= 2 && (args[len(args)-2] == "--tracing" || args[len(args)-2] == "-tracing") {
		return ""
	}
	return last
}
