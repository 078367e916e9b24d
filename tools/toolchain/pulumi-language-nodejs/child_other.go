//go:build !linux

package main

import "os/exec"

// runTiedToHost runs cmd; only Linux can have the kernel kill a child when its parent dies, so
// elsewhere the engine watch (engine.go) is what stops the program.
func runTiedToHost(cmd *exec.Cmd) error {
	return cmd.Run()
}
