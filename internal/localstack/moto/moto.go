// Package moto installs moto (a local emulator of AWS services) into the project's
// virtualenv and runs it as a single-threaded server bound to 127.0.0.1.
package moto

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/child"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// Version is the pinned moto release; changing it reinstalls the virtualenv's moto.
const Version = "5.2.5"

//go:embed server.py
var serverScript []byte

// EnsureVenv installs moto[server] into .local/venv unless it is already there and
// returns the virtualenv's python. A file lock serialises concurrent installers (two
// test binaries starting at once); progress goes to log.
func EnsureVenv(ctx context.Context, log io.Writer) (string, error) {
	venv, err := workspace.Local("venv")
	if err != nil {
		return "", err
	}
	python := filepath.Join(venv, "bin", "python")
	marker := filepath.Join(venv, ".moto-"+Version)
	if fileExists(marker) {
		return python, nil
	}
	lock, err := os.OpenFile(venv+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("moto: lock %s: %w", lock.Name(), err)
	}
	if fileExists(marker) {
		return python, nil // another process installed it while we waited
	}
	fmt.Fprintf(log, "moto: installing moto[server]==%s into %s (first run only)\n", Version, venv)
	if !fileExists(python) {
		if err := run(ctx, log, "python3", "-m", "venv", venv); err != nil {
			return "", fmt.Errorf("moto: create virtualenv (is python3 with venv installed?): %w", err)
		}
	}
	if err := run(ctx, log, python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "moto[server]=="+Version); err != nil {
		return "", fmt.Errorf("moto: pip install: %w", err)
	}
	return python, os.WriteFile(marker, nil, 0o644)
}

func run(ctx context.Context, log io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Run()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Server is one running moto process.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:4566.
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	stop sync.Once
}

// Options configure Start.
type Options struct {
	// Addr is host:port to listen on; empty or port 0 picks a free port on 127.0.0.1.
	Addr string
	// Log receives moto's own output (errors, tracebacks); nil discards it.
	Log io.Writer
}

// Start installs moto if needed and starts a server, returning once it accepts
// connections. The child dies with its parent (Pdeathsig) so tests never leak it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	python, err := EnsureVenv(ctx, logw)
	if err != nil {
		return nil, err
	}
	// Named by its content: worktrees share .local, and one that starts moto must not
	// run another worktree's version of the script (or rewrite it under a running one).
	sum := sha256.Sum256(serverScript)
	script, err := workspace.Local("moto-server-" + hex.EncodeToString(sum[:6]) + ".py")
	if err != nil {
		return nil, err
	}
	if err := writeIfChanged(script, serverScript); err != nil {
		return nil, err
	}
	port := "0"
	if opts.Addr != "" {
		host, p, err := net.SplitHostPort(opts.Addr)
		if err != nil || (host != "127.0.0.1" && host != "localhost") {
			return nil, fmt.Errorf("moto: address %q must be 127.0.0.1:<port>", opts.Addr)
		}
		port = p
	}
	cmd := exec.Command(python, script, port)
	cmd.Stderr = logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("moto: start: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	ports := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			ports <- strings.TrimSpace(sc.Text())
		}
		close(ports)
		_, _ = io.Copy(logw, out)
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()

	// Importing every moto backend takes seconds on a cold cache; allow a generous bound.
	timeout := time.NewTimer(90 * time.Second)
	defer timeout.Stop()
	select {
	case p, ok := <-ports:
		if _, err := strconv.Atoi(p); !ok || err != nil {
			s.Stop()
			return nil, errors.New("moto: server exited before listening (see its log above)")
		}
		s.URL = "http://127.0.0.1:" + p
	case <-timeout.C:
		s.Stop()
		return nil, errors.New("moto: server did not start within 90s")
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	if err := waitPort(ctx, strings.TrimPrefix(s.URL, "http://"), s.done); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func waitPort(ctx context.Context, addr string, done <-chan struct{}) error {
	for i := 0; i < 200; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			return errors.New("moto: server exited during start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("moto: %s not accepting connections", addr)
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	// Concurrent starters each write their own temp file; the rename is atomic.
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	s.stop.Do(func() { child.Stop(s.cmd, s.done, 3*time.Second) })
}
