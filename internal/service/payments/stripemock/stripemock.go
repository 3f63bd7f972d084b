// Package stripemock runs the real stripe-mock binary on a free loopback
// port: for tests (Start, stopped when the test ends) and for demo mode
// (Launch, stopped by the caller).
package stripemock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ErrNotInstalled is returned by Find when stripe-mock is neither on PATH
// nor in $(go env GOPATH)/bin.
var ErrNotInstalled = errors.New("stripe-mock is not installed: run `make tools`")

// Find returns the path of the stripe-mock binary: PATH first, then
// $GOPATH/bin (default ~/go/bin), where `make tools` installs it.
func Find() (string, error) {
	if bin, err := exec.LookPath("stripe-mock"); err == nil {
		return bin, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	bin := filepath.Join(filepath.SplitList(gopath)[0], "bin", "stripe-mock")
	if st, err := os.Stat(bin); err == nil && !st.IsDir() {
		return bin, nil
	}
	return "", fmt.Errorf("%w (looked in PATH and %s)", ErrNotInstalled, bin)
}

// Process is one running stripe-mock.
type Process struct {
	URL string // http://127.0.0.1:N

	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
}

// Stop kills the process and waits for it to exit; safe to call twice.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
}

// Launch starts bin on a free port and waits until it answers. The free
// port is found by closing a listener, so another process can take it
// before stripe-mock binds it; Launch then tries again on a new port.
func Launch(ctx context.Context, bin string) (*Process, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p, err := try(ctx, bin, port)
		if err == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("stripe-mock did not start, 5 times: %w", lastErr)
}

// Start runs stripe-mock for a test and returns its base URL; it is
// stopped when the test ends. A missing binary fails the test.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := Find()
	if err != nil {
		t.Fatalf("%v", err)
	}
	p, err := Launch(context.Background(), bin)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(p.Stop)
	return p.URL
}

// try starts stripe-mock on port and waits until it answers.
func try(ctx context.Context, bin string, port int) (*Process, error) {
	var out syncBuffer
	// The HTTPS listener is unused but on by default at the fixed port
	// 12112, where parallel processes collide: put it on a free port.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+strconv.Itoa(port), "-https-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start stripe-mock: %w", err)
	}
	p := &Process{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("stripe-mock exited before answering; output:\n%s", out.String())
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := client.Get(p.URL + "/v1/balance")
		if err == nil {
			resp.Body.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("stripe-mock did not answer on %s: %w", p.URL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the process output; the process writes from its own
// goroutines while try may read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
