package pluginexit

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startPlugin starts a fake plugin with its own empty system temp dir and returns it, the
// kubeconfig file it wrote and that temp dir.
func startPlugin(t *testing.T, args ...string) (*exec.Cmd, string, string) {
	t.Helper()
	base := t.TempDir()
	plugin, kubeconfig := startRole(t, "plugin", []string{"TMPDIR=" + base}, args...)
	if filepath.Dir(filepath.Dir(kubeconfig)) != base {
		t.Fatalf("the plugin wrote %s, not inside a private dir in %s", kubeconfig, base)
	}
	info, err := os.Stat(filepath.Dir(kubeconfig))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("the private dir is %v (%v), want mode 0700", info, err)
	}
	return plugin, kubeconfig, base
}

// assertEmpty fails unless dir is empty.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temp dir: %s", e.Name())
	}
}

func TestAPluginExitsAndCleansUpWhenItsEngineIsSIGKILLed(t *testing.T) {
	engine, addr := startRole(t, "engine", nil)
	plugin, _, base := startPlugin(t, "--tracing", "http://127.0.0.1:1", addr)
	time.Sleep(1500 * time.Millisecond) // at least one successful check first
	if err := engine.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took, err := waitExit(t, plugin, exitBound)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the plugin ended with %v, want exit code 1", err)
	}
	t.Logf("engine SIGKILLed; plugin exited %s later", took.Round(time.Millisecond))
	assertEmpty(t, base)
}

func TestAPluginCleansUpAndDiesOfTheSignalItIsStoppedWith(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			plugin, _, base := startPlugin(t)
			if err := plugin.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_, err := waitExit(t, plugin, exitBound)
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the plugin ended with %v, want death by %s", err, sig)
			}
			if ws := exit.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
				t.Fatalf("the plugin ended with %v, want death by %s", err, sig)
			}
			assertEmpty(t, base)
		})
	}
}

func TestTheNextPluginSweepsWhatASIGKILLedOneLeftBehind(t *testing.T) {
	plugin, kubeconfig, base := startPlugin(t)
	if err := plugin.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = plugin.Wait()
	if _, err := os.Stat(kubeconfig); err != nil {
		t.Fatalf("a SIGKILLed plugin cannot clean up, yet %s is gone: %v", kubeconfig, err)
	}
	next, nextKubeconfig := startRole(t, "plugin", []string{"TMPDIR=" + base})
	if _, err := os.Stat(filepath.Dir(kubeconfig)); !os.IsNotExist(err) {
		t.Fatalf("the next plugin left the dead one's dir %s: %v", filepath.Dir(kubeconfig), err)
	}
	if _, err := os.Stat(nextKubeconfig); err != nil {
		t.Fatalf("the next plugin's own file: %v", err)
	}
	_ = next.Process.Signal(syscall.SIGTERM)
	_, _ = waitExit(t, next, exitBound)
	assertEmpty(t, base)
}
