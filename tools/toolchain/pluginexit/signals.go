package pluginexit

import (
	"os"
	"os/signal"
	"syscall"
)

// OnTermination runs cleanup when the process is asked to stop (SIGINT, which the engine sends
// to a plugin's process group when it closes the plugin; SIGTERM; SIGHUP), then ends the process
// by the same signal, so whoever waits for it still sees it die of that signal.
//
// It also takes SIGPIPE over: once the engine is dead, the plugin's stdout and stderr are pipes
// nobody reads, and Go ends a process that writes to such a pipe on fd 1 or 2 on the spot,
// before any cleanup. Handled, SIGPIPE only makes that write fail, and the engine watch ends
// the process properly. Handled signals are reset for child processes, so they keep the default.
func OnTermination(cleanup func()) {
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	go func() {
		for range pipe {
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-stop
		cleanup()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()
}
