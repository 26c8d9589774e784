package main

import "syscall"

// childProcAttr makes a server a test started die with the test process,
// even when the test binary is killed before its cleanups run.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
