package vtigertest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantReal bool
		wantErr  []string // variable names the error must name as missing
	}{
		{name: "none set", env: nil},
		{name: "blank counts as unset", env: map[string]string{EnvURL: " ", EnvUsername: "", EnvAccessKey: "\t"}},
		{name: "all set", env: map[string]string{EnvURL: "https://crm.example.com", EnvUsername: "admin", EnvAccessKey: "k"}, wantReal: true},
		{name: "url only", env: map[string]string{EnvURL: "https://crm.example.com"}, wantErr: []string{EnvUsername, EnvAccessKey}},
		{name: "key missing", env: map[string]string{EnvURL: "https://crm.example.com", EnvUsername: "admin"}, wantErr: []string{EnvAccessKey}},
		{name: "url blank", env: map[string]string{EnvURL: "  ", EnvUsername: "admin", EnvAccessKey: "k"}, wantErr: []string{EnvURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, isReal, err := fromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != nil {
				var me *missingVarsError
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want missing variables %v", err, tt.wantErr)
				}
				if !slices.Equal(me.missing, tt.wantErr) {
					t.Fatalf("missing = %v, want %v", me.missing, tt.wantErr)
				}
				for _, k := range tt.wantErr {
					if !strings.Contains(err.Error(), k) {
						t.Fatalf("error %q does not name %s", err, k)
					}
				}
				if isReal {
					t.Fatal("partial configuration reported as a real CRM")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if isReal != tt.wantReal {
				t.Fatalf("real = %v, want %v", isReal, tt.wantReal)
			}
			if tt.wantReal && (b.URL != tt.env[EnvURL] || b.Username != tt.env[EnvUsername] || b.AccessKey != tt.env[EnvAccessKey] || !b.Real()) {
				t.Fatalf("backend = %+v", b)
			}
		})
	}
}

// TestSimulatorBackend forces the simulator (whatever the caller's
// environment says) and checks it is seeded and reachable with the
// credentials handed out.
func TestSimulatorBackend(t *testing.T) {
	for _, k := range []string{EnvURL, EnvUsername, EnvAccessKey} {
		t.Setenv(k, "")
	}
	b := Backend(t)
	if b.Real() || b.Sim == nil || b.Demo == nil {
		t.Fatalf("want a seeded simulator, got %+v", b)
	}
	c := b.Client(t)
	ctx := context.Background()
	acc, err := c.Retrieve(ctx, b.Demo.Accounts["acme"])
	if err != nil {
		t.Fatal(err)
	}
	if got := acc.String("accountname"); got != "Acme Ltd" {
		t.Fatalf("accountname = %q", got)
	}
	if b.Sim.Logins() != 1 {
		t.Fatalf("logins = %d, want 1", b.Sim.Logins())
	}
}
