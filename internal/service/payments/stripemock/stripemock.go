// Package stripemock starts the real stripe-mock binary for tests, on a
// free loopback port, and stops it when the test ends.
package stripemock

import (
	"bytes"
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
	// The free port is found by closing a listener, so another process can
	// take it before stripe-mock binds it; start again on a new port then.
	var lastOut string
	for attempt := 0; attempt < 5; attempt++ {
		url, out, ok := try(t, bin, freePort(t))
		if ok {
			return url
		}
		lastOut = out
	}
	t.Fatalf("stripe-mock exited before answering, 5 times; last output:\n%s", lastOut)
	return ""
}

// try starts stripe-mock on port; ok is false when it exited before
// answering (its output is returned for the failure message).
func try(t testing.TB, bin string, port int) (url, output string, ok bool) {
	t.Helper()
	var out bytes.Buffer
	// The HTTPS listener is unused but on by default at the fixed port
	// 12112, where parallel test packages collide: put it on a free port.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+strconv.Itoa(port), "-https-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			return "", out.String(), false
		default:
		}
		resp, err := client.Get(url + "/v1/balance")
		if err == nil {
			resp.Body.Close()
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-done
			})
			return url, "", true
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
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
