// Package vtigertest picks the Vtiger a test talks to: the in-memory
// simulator (vtigersim, seeded with the demo data) by default, or a real CRM
// when all three PORTAL_TEST_VTIGER_* variables are set. That is what makes
// the contract suite in internal/vtiger one suite with two backends: every
// assertion it makes about Vtiger is checked against the simulator on every
// run and, on demand, against a real installation, so the simulator cannot
// drift from the CRM unnoticed.
//
// # Running against a real CRM
//
//	PORTAL_TEST_VTIGER_URL=https://crm.example.com \
//	PORTAL_TEST_VTIGER_USERNAME=admin \
//	PORTAL_TEST_VTIGER_ACCESS_KEY=… \
//	go test -count=1 ./internal/vtiger -run Contract -v
//
// The URL is the site root or the full …/webservice.php. The user needs
// create/edit/delete rights on Accounts, Contacts, HelpDesk, ModComments and
// Documents (an administrator is simplest; the access key is on the user's
// "My Preferences" page). Nothing is seeded on a real CRM: tests create the
// records they need, with a random suffix in their names, and delete them in
// t.Cleanup. Tests that would be rude to a real CRM (creating hundreds of
// records) ask CRM.Real() and run on the simulator only. Setting only
// some of the variables fails the test instead of silently testing the
// simulator, so a typo cannot make a "real CRM" run pass vacuously.
package vtigertest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// The environment variables naming a real CRM.
const (
	EnvURL       = "PORTAL_TEST_VTIGER_URL"
	EnvUsername  = "PORTAL_TEST_VTIGER_USERNAME"
	EnvAccessKey = "PORTAL_TEST_VTIGER_ACCESS_KEY"
)

// SimVersion is the Vtiger version the simulator backend reproduces.
const SimVersion = "8.4"

// CRM is the Vtiger a test talks to, as returned by Backend. (Go does not
// allow a type and a function of one name, and Backend(t) is what every test
// writes, so the function has the short name.)
type CRM struct {
	URL, Username, AccessKey string

	// Sim is the simulator behind URL; nil for a real CRM.
	Sim *vtigersim.Server
	// Demo is the seeded demo data set; nil for a real CRM.
	Demo *vtigersim.Demo
	// Server serves Sim at URL (nil for a real CRM); closing it makes the
	// CRM unreachable.
	Server *httptest.Server
}

// Real reports whether the backend is a real CRM rather than the simulator.
func (b CRM) Real() bool { return b.Sim == nil }

// Backend returns a fresh, demo-seeded simulator served over HTTP (closed in
// t.Cleanup), or the real CRM named by the PORTAL_TEST_VTIGER_* variables.
func Backend(t testing.TB) CRM {
	t.Helper()
	b, isReal, err := fromEnv(os.Getenv)
	if err != nil {
		t.Fatalf("vtigertest: %v", err)
		return CRM{}
	}
	if isReal {
		t.Logf("vtigertest: using the real CRM at %s as %s", b.URL, b.Username)
		return b
	}
	return Sim(t)
}

// Sim returns a fresh, demo-seeded simulator served over HTTP (closed in
// t.Cleanup), whatever the environment says: for tests that rely on the
// demo data set or on the simulator's call counters.
func Sim(t testing.TB) CRM {
	t.Helper()
	b := Serve(t, vtigersim.Options{Version: SimVersion})
	demo, err := vtigersim.SeedDemo(b.Sim)
	if err != nil {
		t.Fatalf("vtigertest: seeding the simulator: %v", err)
		return CRM{}
	}
	b.Demo = demo
	return b
}

// Serve returns an empty (not seeded) simulator built from opts and served
// over HTTP (closed in t.Cleanup): for tests of the simulator's own options
// (version, latency, users). The backend logs in as admin, with
// opts.Users["admin"] when set, else the simulator's default key.
func Serve(t testing.TB, opts vtigersim.Options) CRM {
	t.Helper()
	sim := vtigersim.New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	key := vtigersim.DefaultAccessKey
	if k, ok := opts.Users["admin"]; ok {
		key = k
	}
	return CRM{
		URL:       ts.URL,
		Username:  "admin",
		AccessKey: key,
		Sim:       sim,
		Server:    ts,
	}
}

// missingVarsError lists the PORTAL_TEST_VTIGER_* variables that are unset
// while others are set.
type missingVarsError struct{ set, missing []string }

func (e *missingVarsError) Error() string {
	return strings.Join(e.set, ", ") + " set but " + strings.Join(e.missing, ", ") +
		" missing: set all three to test against a real CRM, or none to use the simulator"
}

// fromEnv reads the three variables; isReal is false when none is set. Blank
// values count as unset, so `VAR= go test` disables a variable.
func fromEnv(getenv func(string) string) (b CRM, isReal bool, err error) {
	vals := map[string]string{}
	var set, missing []string
	for _, k := range []string{EnvURL, EnvUsername, EnvAccessKey} {
		v := strings.TrimSpace(getenv(k))
		vals[k] = v
		if v == "" {
			missing = append(missing, k)
		} else {
			set = append(set, k)
		}
	}
	switch {
	case len(set) == 0:
		return CRM{}, false, nil
	case len(missing) > 0:
		return CRM{}, false, &missingVarsError{set: set, missing: missing}
	}
	return CRM{URL: vals[EnvURL], Username: vals[EnvUsername], AccessKey: vals[EnvAccessKey]}, true, nil
}

// Client returns a vtiger client for the backend, closed (logged out) in
// t.Cleanup. opts adjust the config after the defaults are filled in.
//
// Against the simulator retries back off for a millisecond; against a real
// CRM the client keeps its defaults apart from a patient timeout, since a
// shared test CRM can be slow.
func (b CRM) Client(t testing.TB, opts ...func(*vtiger.Config)) *vtiger.Client {
	t.Helper()
	// Client logs belong to the test that caused them (shown on failure or -v).
	cfg := SimConfig(b.URL, slog.New(slog.NewTextHandler(t.Output(), nil)))
	cfg.Username, cfg.AccessKey, cfg.PoolSize = b.Username, b.AccessKey, 2
	if b.Real() {
		cfg.Timeout = 60 * time.Second
	} else {
		cfg.RetryBackoff = time.Millisecond
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := vtiger.New(cfg)
	if err != nil {
		t.Fatalf("vtigertest: new client: %v", err)
		return nil
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Logf("vtigertest: closing client: %v", err)
		}
	})
	return c
}

// SimConfig is a complete client configuration (the portal's defaults) for
// the simulator at url, for tests that build their own client.
func SimConfig(url string, logger *slog.Logger) vtiger.Config {
	cfg := vtiger.ConfigFrom(config.Default())
	cfg.URL, cfg.Username, cfg.AccessKey, cfg.Logger = url, "admin", vtigersim.DefaultAccessKey, logger
	return cfg
}
