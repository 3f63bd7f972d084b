// Package pgcluster starts a throw-away PostgreSQL cluster (initdb + pg_ctl
// from /usr/lib/postgresql/*/bin) in a temporary directory on a free
// loopback port, for tests that stop and restart the database. The shared
// server on 5432 (pgtest) is never touched: these tests kill their server.
//
// initdb refuses to run as root, so under root every command runs as the
// "postgres" system user (setpriv), which owns the cluster directory.
package pgcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Cluster is one running (or stopped) throw-away server.
type Cluster struct {
	t    testing.TB
	bin  string
	dir  string // data directory
	log  string
	port int
	as   *user.User // nil: run as the current user
}

// Start creates and starts a cluster; it is stopped and removed when the
// test ends. A missing PostgreSQL installation fails the test.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin := binDir(t)
	c := &Cluster{t: t, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgcluster: running as root needs the postgres system user to run initdb: %v", err)
		}
		c.as = u
	}
	// Under /tmp, not t.TempDir(): the postgres user must reach it, and the
	// test's temp directories are private to root.
	root, err := os.MkdirTemp("", "portal-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	if c.as != nil {
		uid, _ := strconv.Atoi(c.as.Uid)
		gid, _ := strconv.Atoi(c.as.Gid)
		if err := os.Chown(root, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.dir = filepath.Join(root, "data")
	c.log = filepath.Join(root, "server.log")
	c.port = freePort(t)
	c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	t.Cleanup(func() {
		// Best effort: the test may have stopped it already.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = c.cmd(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "immediate", "-w").Run()
	})
	c.Start()
	return c
}

// DSN is the URL of database name on this cluster.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Start starts the (stopped) server on its port and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories='' -c fsync=off", c.port)
	c.run("pg_ctl", "start", "-D", c.dir, "-l", c.log, "-w", "-t", "60", "-o", opts)
}

// Stop stops the server; mode is "fast" (sessions are terminated with
// 57P01) or "immediate" (the server quits at once, crash-style).
func (c *Cluster) Stop(mode string) {
	c.t.Helper()
	c.run("pg_ctl", "stop", "-D", c.dir, "-m", mode, "-w", "-t", "60")
}

func (c *Cluster) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.as != nil {
		uid, _ := strconv.ParseUint(c.as.Uid, 10, 32)
		gid, _ := strconv.ParseUint(c.as.Gid, 10, 32)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Dir = os.TempDir()
		cmd.Env = append(cmd.Env, "HOME="+c.as.HomeDir, "USER=postgres")
	}
	return cmd
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := c.cmd(ctx, name, args...).CombinedOutput()
	if err != nil {
		logTail, _ := os.ReadFile(c.log)
		c.t.Fatalf("pgcluster: %s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, logTail)
	}
}

// binDir picks the newest installed PostgreSQL's bin directory.
func binDir(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		t.Fatal("pgcluster: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
	}
	sort.Slice(found, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(found[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(found[j])))
		return vi > vj
	})
	return found[0]
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
