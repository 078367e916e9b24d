package pluginexit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestUsePrivateTempDirCollectsTempFilesInAPrivateDirThatRemoveDeletes(t *testing.T) {
	base := t.TempDir()
	t.Setenv("TMPDIR", base)
	tmp, problems := UsePrivateTempDir("pluginexit-test")
	if len(problems) > 0 || tmp == nil {
		t.Fatalf("UsePrivateTempDir: %v", problems)
	}
	if os.TempDir() != tmp.Path || filepath.Dir(tmp.Path) != base {
		t.Fatalf("TMPDIR is %s, want a new dir in %s", os.TempDir(), base)
	}
	f, err := os.CreateTemp("", "kubeconfig")
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if filepath.Dir(f.Name()) != tmp.Path {
		t.Fatalf("os.CreateTemp wrote %s, outside %s", f.Name(), tmp.Path)
	}
	if err := tmp.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Remove(); err != nil {
		t.Fatalf("a second Remove: %v", err)
	}
	assertEmpty(t, base)
}

// deadPid returns the pid of a process that has ended.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweepStaleTempDirsRemovesOnlyDirsOfDeadProcesses(t *testing.T) {
	base := t.TempDir()
	mk := func(name string) string {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Join(p, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dead := mk(fmt.Sprintf("plug-%d-abc", deadPid(t)))
	live := mk(fmt.Sprintf("plug-%d-abc", os.Getppid()))
	other := mk(fmt.Sprintf("other-%d-abc", deadPid(t)))
	mine := mk(fmt.Sprintf("plug-%d-abc", os.Getpid()))
	target := mk("target")
	link := filepath.Join(base, fmt.Sprintf("plug-%d-link", deadPid(t)))
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if errs := SweepStaleTempDirs(base, "plug"); len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead process's dir is still there: %v", err)
	}
	for _, keep := range []string{live, other, mine, target, link} {
		if _, err := os.Lstat(keep); err != nil {
			t.Errorf("%s was removed: %v", keep, err)
		}
	}
}
