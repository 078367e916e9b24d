package pluginexit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// TempDir is a process's private temporary directory (mode 0700, named after the process) that
// the process removes when it ends.
type TempDir struct {
	// Path is the directory.
	Path string
	once sync.Once
}

// UsePrivateTempDir sweeps what dead processes of the same name left in the system temp dir,
// makes a new private directory "<name>-<pid>-<random>" there and points TMPDIR at it, so
// everything the process (and anything it starts) writes with os.CreateTemp("", ...) lands
// inside it. The caller removes it with Remove on every way out it controls; what a SIGKILL
// leaves behind is swept by the next process of the same name.
func UsePrivateTempDir(name string) (*TempDir, []error) {
	base := os.TempDir()
	swept := SweepStaleTempDirs(base, name)
	dir, err := os.MkdirTemp(base, fmt.Sprintf("%s-%d-", name, os.Getpid()))
	if err != nil {
		return nil, append(swept, fmt.Errorf("making a private temp dir in %s: %w", base, err))
	}
	if err := os.Setenv("TMPDIR", dir); err != nil {
		_ = os.Remove(dir)
		return nil, append(swept, fmt.Errorf("setting TMPDIR: %w", err))
	}
	return &TempDir{Path: dir}, swept
}

// Remove deletes the directory and everything in it; only the first call does anything, so
// every exit path may call it.
func (t *TempDir) Remove() error {
	var err error
	t.once.Do(func() { err = os.RemoveAll(t.Path) })
	return err
}

// SweepStaleTempDirs removes base/<name>-<pid>-* directories whose process is gone and that
// belong to this user. A directory whose pid is alive is kept even if the pid was reused by an
// unrelated process: it is removed by a later sweep, never one that could pull it from under a
// live plugin. It returns what it could not remove.
func SweepStaleTempDirs(base, name string) []error {
	entries, err := os.ReadDir(base)
	if err != nil {
		return []error{fmt.Errorf("listing %s: %w", base, err)}
	}
	var errs []error
	for _, e := range entries {
		pid, ok := pidOfTempDir(e.Name(), name)
		if !ok || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		path := filepath.Join(base, e.Name())
		if !ownDirectory(path) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, fmt.Errorf("removing stale %s: %w", path, err))
		}
	}
	return errs
}

// pidOfTempDir parses "<name>-<pid>-<random>".
func pidOfTempDir(entry, name string) (int, bool) {
	rest, ok := strings.CutPrefix(entry, name+"-")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// processAlive reports whether pid exists (signal 0 checks without sending anything; EPERM
// means it exists but is someone else's).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownDirectory is true for a real directory (not a symlink) owned by this user.
func ownDirectory(path string) bool {
	info, err := os.Lstat(path)
	if err != nil || !info.IsDir() {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
