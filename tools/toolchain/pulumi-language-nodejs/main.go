// Command pulumi-language-nodejs is the Node.js language host the Pulumi CLI starts to run a
// program written for @pulumi/pulumi. It is this project's own, small implementation: the
// upstream host's Go module is not published on the module proxy, so the toolchain builds this
// one from the SDK's protocol definitions instead.
//
// The engine starts it with its own address as the only argument; it serves the LanguageRuntime
// gRPC service on a free port (printed on stdout) and runs programs with the Node.js SDK's own
// runner (@pulumi/pulumi/cmd/run), found in the program's node_modules.
//
// It never outlives the engine: it checks the engine's address every second, and once the engine
// is dead it stops the Node.js processes it started and exits (stop.go); those processes are also
// tied to the host's own life by the kernel (child_linux.go).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped at build time (-X main.version=...) to the SDK release it serves.
var version = "0.0.0-dev"

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	// Flags older engines pass; accepted and ignored.
	flags.String("tracing", "", "tracing endpoint (ignored)")
	flags.String("root", "", "project root (ignored)")
	flags.Bool("logtostderr", false, "log to stderr (ignored)")
	flags.Int("v", 0, "log level (ignored)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	engineAddress := flags.Arg(0)

	host := newHost(engineAddress)
	if engineAddress != "" {
		if err := exitWithEngine(engineAddress, host.kids); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
			os.Exit(1)
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not serve: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}
