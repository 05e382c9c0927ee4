package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runLocal runs a command on this machine like @pulumi/command's local.Command: through the
// interpreter (default /bin/sh -c), in `dir`, with the provider's environment plus
// `environment` and the previous stdout/stderr; stdout and stderr lose one trailing newline.
func runLocal(ctx context.Context, script string, in map[string]any, prev previousOutput) (runResult, error) {
	args := []string{"/bin/sh", "-c"}
	if interp, ok := in["interpreter"].([]any); ok && len(interp) > 0 {
		args = args[:0]
		for _, a := range interp {
			args = append(args, fmt.Sprint(a))
		}
	}
	args = append(args, script)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	// the command's whole process group goes when the operation is cancelled
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if dir := stringOf(in["dir"]); dir != "" {
		cmd.Dir = dir
	}
	cmd.Env = append(os.Environ(), environment(in, prev)...)
	if stdin := stringOf(in["stdin"]); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr, both bytes.Buffer
	cmd.Stdout = &teeWriter{&stdout, &both}
	cmd.Stderr = &teeWriter{&stderr, &both}
	if err := cmd.Start(); err != nil {
		return runResult{}, fmt.Errorf("%w: starting %q", err, script)
	}
	running.Store(cmd.Process.Pid, struct{}{})
	err := cmd.Wait()
	running.Delete(cmd.Process.Pid)
	if err != nil {
		if ctx.Err() != nil {
			return runResult{}, fmt.Errorf("cancelled: running %q: %w", script, ctx.Err())
		}
		return runResult{}, fmt.Errorf("%w: running %q:\n%s", err, script, both.String())
	}
	return runResult{stdout: strings.TrimSuffix(stdout.String(), "\n"), stderr: strings.TrimSuffix(stderr.String(), "\n")}, nil
}

// running holds the process groups of local commands in progress.
var running sync.Map

// killRunningCommands ends every local command still running (their process groups).
func killRunningCommands() {
	running.Range(func(pid, _ any) bool {
		_ = syscall.Kill(-pid.(int), syscall.SIGKILL)
		return true
	})
}

// environment is `environment` plus PULUMI_COMMAND_STDOUT/STDERR of the previous run (unless
// addPreviousOutputInEnv is false), as NAME=value pairs.
func environment(in map[string]any, prev previousOutput) []string {
	var env []string
	if m, ok := in["environment"].(map[string]any); ok {
		for k, v := range m {
			env = append(env, k+"="+fmt.Sprint(v))
		}
	}
	if add, ok := in["addPreviousOutputInEnv"].(bool); !ok || add {
		if prev.stdout != "" {
			env = append(env, "PULUMI_COMMAND_STDOUT="+prev.stdout)
		}
		if prev.stderr != "" {
			env = append(env, "PULUMI_COMMAND_STDERR="+prev.stderr)
		}
	}
	return env
}

// teeWriter writes to its own buffer and to the combined one (stdout and stderr interleaved,
// for error messages). The exec package serialises writes per stream only, hence the copy.
type teeWriter struct {
	own, both *bytes.Buffer
}

var combinedMu = make(chan struct{}, 1)

func (t *teeWriter) Write(b []byte) (int, error) {
	combinedMu <- struct{}{}
	defer func() { <-combinedMu }()
	t.both.Write(b)
	return t.own.Write(b)
}
