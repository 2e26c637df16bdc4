// Package child stops the local stack's long-lived child processes (moto, OpenSearch)
// the same way: the whole process group, politely first.
package child

import (
	"os/exec"
	"syscall"
	"time"
)

// Stop sends SIGTERM to cmd's process group and waits for done (closed when the process
// has exited); after grace it sends SIGKILL and waits again. The children are started
// with Setpgid, so the group holds the process and everything it spawned.
func Stop(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
