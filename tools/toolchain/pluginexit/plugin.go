package pluginexit

import (
	"context"
	"fmt"
	"os"
)

// LeaveNothingBehind is the start of a plugin's main that must not outlive its engine nor leave
// files behind. It gives the process a private temp dir (TMPDIR, see UsePrivateTempDir) and
// removes it on every way out the process controls: the returned cleanup (to call when the
// plugin's serve loop returns), SIGINT (how the engine closes a plugin), SIGTERM, SIGHUP, and
// the engine's death, which also ends the process (exit code 1). args are the plugin's
// arguments (os.Args[1:]), whose last one is the engine's address. A SIGKILL of the plugin
// itself runs no code; its directory is swept by the next plugin of the same name to start.
func LeaveNothingBehind(pluginName string, args []string) (cleanup func()) {
	tmp, problems := UsePrivateTempDir(pluginName)
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "%s: %v\n", pluginName, p)
	}
	cleanup = func() {}
	if tmp != nil {
		cleanup = func() { _ = tmp.Remove() }
	}
	OnTermination(cleanup)
	addr := EngineAddressFromArgs(args)
	if addr == "" {
		return cleanup
	}
	engine, err := WatchEngine(context.Background(), addr, DefaultEngineCheck)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: watching the engine at %s: %v\n", pluginName, addr, err)
		return cleanup
	}
	go func() {
		<-engine.Done()
		// Clean up before writing anything: nothing reads stderr any more.
		cleanup()
		fmt.Fprintf(os.Stderr, "%s: the engine at %s is gone; exiting\n", pluginName, addr)
		os.Exit(1)
	}()
	return cleanup
}
