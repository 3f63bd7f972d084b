// Package stripemock starts the real stripe-mock binary for tests, on a
// free loopback port, and stops it when the test ends.
package stripemock

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Start runs stripe-mock and returns its base URL (http://127.0.0.1:N).
// A missing binary fails the test: run `make tools`.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		home, _ := os.UserHomeDir()
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			gopath = filepath.Join(home, "go")
		}
		bin = filepath.Join(gopath, "bin", "stripe-mock")
		if _, serr := os.Stat(bin); serr != nil {
			t.Fatalf("stripe-mock is not installed (looked in PATH and %s): run `make tools`", bin)
		}
	}
	port := freePort(t)
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("stripe-mock exited before answering")
		default:
		}
		resp, err := client.Get(url + "/v1/balance")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("stripe-mock did not answer on %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
