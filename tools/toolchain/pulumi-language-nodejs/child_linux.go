package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// runTiedToHost runs cmd so that the kernel kills it if the host dies first, however the host
// dies (even SIGKILL, where no code of the host runs). PR_SET_PDEATHSIG fires when the thread
// that started the child ends, not only the process; the goroutine holds its thread until the
// child has exited, so the thread cannot end or be handed to other work before then, and only
// the host's death can fire it.
func runTiedToHost(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd.Run()
}
