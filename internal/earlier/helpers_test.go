package earlier_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mariaDSN is the server the tests use: MariaDB on 127.0.0.1:3306 as root
// without a password (.ci/mariadb.sh starts it), unless
// PORTAL_TEST_MYSQL_DSN names another (any database on it).
func mariaDSN() string {
	if dsn := strings.TrimSpace(os.Getenv("PORTAL_TEST_MYSQL_DSN")); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// earlierDB creates a uniquely named database holding the earlier schema
// (testdata/schema.sql) and returns its DSN and a handle; both are dropped
// when the test ends. An unreachable server fails the test.
func earlierDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	base, err := mysql.ParseDSN(mariaDSN())
	if err != nil {
		t.Fatalf("PORTAL_TEST_MYSQL_DSN: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("mysql", base.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_earlier_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("MariaDB on %s is needed for these tests (run .ci/mariadb.sh): %v", base.Addr, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", base.FormatDSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})

	cfg := base.Clone()
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.MultiStatements = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ddl, err := os.ReadFile("testdata/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, string(ddl)); err != nil {
		t.Fatalf("load earlier schema: %v", err)
	}
	dsn := base.Clone()
	dsn.DBName = name
	return dsn.FormatDSN(), db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
