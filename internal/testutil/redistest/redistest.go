// Package redistest gives tests a real Redis: the machine's server on
// 127.0.0.1:6379 (.ci/redis.sh starts it) with a key prefix of their own,
// or a throwaway redis-server on a free port that a test may stop and
// start again to see an outage.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedAddr is the Redis every test machine runs.
const SharedAddr = "127.0.0.1:6379"

// Shared returns the URL of the machine's Redis and a key prefix unique to
// the test; the prefix's keys are deleted when the test ends. A Redis that
// does not answer fails the test (run .ci/redis.sh).
func Shared(t testing.TB) (url, prefix string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: SharedAddr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		t.Fatalf("Redis on %s does not answer (start it with .ci/redis.sh): %v", SharedAddr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix = "test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// redis_rate prefixes its keys with "rate:".
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			iter := rdb.Scan(ctx, 0, pattern, 100).Iterator()
			for iter.Next(ctx) {
				rdb.Del(ctx, iter.Val())
			}
		}
	})
	return "redis://" + SharedAddr + "/0", prefix
}

// Server is a redis-server of the test's own, without persistence.
type Server struct {
	t    testing.TB
	Port int
	cmd  *exec.Cmd
}

// Start runs redis-server on a free loopback port; it is killed when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (apt-get install redis-server): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s := &Server{t: t, Port: port}
	s.Resume()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://127.0.0.1:" + strconv.Itoa(s.Port) + "/0" }

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// Stop kills the server (an outage, not a clean shutdown) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Resume starts the server again on the same port, empty, and waits until
// it answers.
func (s *Server) Resume() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.Stop()
			s.t.Fatalf("redis-server on port %d did not answer: %v", s.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DeadURL is a redis:// URL where nothing listens (a Redis that is down).
func DeadURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return fmt.Sprintf("redis://%s/0", addr)
}
