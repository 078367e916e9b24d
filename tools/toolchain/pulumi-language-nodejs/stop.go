package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"steady.dev/toolchain/pluginexit"
)

// programStopGrace is how long a Node.js process has between SIGTERM and SIGKILL when the host
// stops it. The engine is gone by then, so there is nothing left for the program to finish; a
// short grace only lets it flush its own output.
const programStopGrace = 2 * time.Second

// children tracks the Node.js processes the host started, so that the host can stop them all
// before it exits.
type children struct {
	// stopping is cancelled when the host stops; every child's context derives from it too.
	stopping context.Context
	stop     context.CancelFunc
	mu       sync.Mutex // orders run's Add before stopAll's Wait
	stopped  bool
	running  sync.WaitGroup
}

func newChildren() *children {
	ctx, cancel := context.WithCancel(context.Background())
	return &children{stopping: ctx, stop: cancel}
}

// command is exec.CommandContext for a child that is stopped (SIGTERM, then SIGKILL after
// programStopGrace) when either ctx (the engine's call) or the host ends.
func (c *children) command(ctx context.Context, name string, args ...string) (*exec.Cmd, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	unlink := context.AfterFunc(c.stopping, cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = programStopGrace
	return cmd, func() { unlink(); cancel() }
}

// run runs cmd as a tracked child tied to the host's life.
func (c *children) run(cmd *exec.Cmd) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return errors.New("the language host is stopping")
	}
	c.running.Add(1)
	c.mu.Unlock()
	defer c.running.Done()
	return runTiedToHost(cmd)
}

// stopAll stops every child and waits for them, at most grace plus a second.
func (c *children) stopAll() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.stop()
	done := make(chan struct{})
	go func() { c.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(programStopGrace + time.Second):
	}
}

// exitWithEngine ends the host once the engine at addr is dead: it stops the Node.js processes
// first, and writes to stderr only then (with the engine gone, nothing reads it).
func exitWithEngine(addr string, kids *children) error {
	engine, err := pluginexit.WatchEngine(kids.stopping, addr, pluginexit.DefaultEngineCheck)
	if err != nil {
		return fmt.Errorf("watching the engine at %s: %w", addr, err)
	}
	go func() {
		<-engine.Done()
		if kids.stopping.Err() != nil {
			return
		}
		kids.stopAll()
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: the engine at %s is gone; stopped its programs, exiting\n", addr)
		os.Exit(1)
	}()
	return nil
}
