package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
func future() time.Time    { return time.Now().Add(time.Hour) }

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	tokens := postgres.NewTokenStore(db)
	u := mkUser(t, db, "11x1")
	other := mkUser(t, db, "11x1")

	auth, reset, expired, foreign := hash("auth"), hash("reset"), hash("expired"), hash("foreign")
	for _, tok := range []domain.Token{
		{Hash: auth, UserID: u.ID, Scope: domain.ScopeAuthentication, Expiry: future()},
		{Hash: reset, UserID: u.ID, Scope: domain.ScopePasswordReset, Expiry: future()},
		{Hash: expired, UserID: u.ID, Scope: domain.ScopeAuthentication, Expiry: time.Now().Add(-time.Second)},
		{Hash: foreign, UserID: other.ID, Scope: domain.ScopeAuthentication, Expiry: future()},
	} {
		if err := tokens.Insert(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("insert errors", func(t *testing.T) {
		testutil.WantCode(t, tokens.Insert(ctx, domain.Token{Hash: auth, UserID: u.ID, Scope: "x", Expiry: future()}), domain.ECONFLICT)
		testutil.WantCode(t, tokens.Insert(ctx, domain.Token{Hash: []byte("short"), UserID: u.ID, Scope: "x", Expiry: future()}), domain.EINVALID)
		testutil.WantCode(t, tokens.Insert(ctx, domain.Token{Hash: hash("nouser"), UserID: 999999, Scope: "x", Expiry: future()}), domain.ENOTFOUND)
	})

	lookups := []struct {
		name  string
		hash  []byte
		scope string
		found bool
	}{
		{"auth", auth, domain.ScopeAuthentication, true},
		{"reset", reset, domain.ScopePasswordReset, true},
		{"wrong scope", reset, domain.ScopeAuthentication, false},
		{"expired", expired, domain.ScopeAuthentication, false},
		{"unknown", hash("nope"), domain.ScopeAuthentication, false},
	}
	for _, l := range lookups {
		t.Run("lookup "+l.name, func(t *testing.T) {
			tok, user, err := tokens.ByHash(ctx, l.hash, l.scope)
			if !l.found {
				testutil.WantCode(t, err, domain.ENOTFOUND)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(tok.Hash, l.hash) || tok.UserID != u.ID || tok.Scope != l.scope || tok.OTPPassed || tok.CreatedAt.IsZero() {
				t.Fatalf("token %+v", tok)
			}
			if user.ID != u.ID || user.Email != u.Email || user.ContactID != u.ContactID {
				t.Fatalf("user %+v", user)
			}
		})
	}

	t.Run("otp passed is per token", func(t *testing.T) {
		if err := tokens.MarkOTPPassed(ctx, auth); err != nil {
			t.Fatal(err)
		}
		tok, _, _ := tokens.ByHash(ctx, auth, domain.ScopeAuthentication)
		if !tok.OTPPassed {
			t.Fatal("not marked")
		}
		tok, _, _ = tokens.ByHash(ctx, foreign, domain.ScopeAuthentication)
		if tok.OTPPassed {
			t.Fatal("another token got marked")
		}
		testutil.WantCode(t, tokens.MarkOTPPassed(ctx, expired), domain.ENOTFOUND)
		testutil.WantCode(t, tokens.MarkOTPPassed(ctx, hash("nope")), domain.ENOTFOUND)
	})

	t.Run("delete expired", func(t *testing.T) {
		n, err := tokens.DeleteExpired(ctx)
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
		}
		if n, _ := tokens.DeleteExpired(ctx); n != 0 {
			t.Fatalf("second DeleteExpired = %d", n)
		}
	})

	t.Run("delete others keeps current", func(t *testing.T) {
		extra := hash("extra")
		if err := tokens.Insert(ctx, domain.Token{Hash: extra, UserID: u.ID, Scope: domain.ScopeAuthentication, Expiry: future()}); err != nil {
			t.Fatal(err)
		}
		n, err := tokens.DeleteOthersForUser(ctx, u.ID, domain.ScopeAuthentication, auth)
		if err != nil || n != 1 {
			t.Fatalf("DeleteOthersForUser = %d, %v", n, err)
		}
		if _, _, err := tokens.ByHash(ctx, auth, domain.ScopeAuthentication); err != nil {
			t.Fatal("kept token gone")
		}
		if _, _, err := tokens.ByHash(ctx, reset, domain.ScopePasswordReset); err != nil {
			t.Fatal("other scope touched")
		}
	})

	t.Run("delete all of a scope then all", func(t *testing.T) {
		n, err := tokens.DeleteAllForUser(ctx, u.ID, domain.ScopePasswordReset)
		if err != nil || n != 1 {
			t.Fatalf("DeleteAllForUser(reset) = %d, %v", n, err)
		}
		if _, _, err := tokens.ByHash(ctx, auth, domain.ScopeAuthentication); err != nil {
			t.Fatal("auth token removed by scoped delete")
		}
		n, err = tokens.DeleteAllForUser(ctx, u.ID, "")
		if err != nil || n != 1 {
			t.Fatalf("DeleteAllForUser(all) = %d, %v", n, err)
		}
		if _, _, err := tokens.ByHash(ctx, foreign, domain.ScopeAuthentication); err != nil {
			t.Fatal("another user's token removed")
		}
	})

	t.Run("logout idempotent", func(t *testing.T) {
		for range 2 {
			if err := tokens.Delete(ctx, foreign); err != nil {
				t.Fatal(err)
			}
		}
		testutil.WantCode(t, func() error { _, _, err := tokens.ByHash(ctx, foreign, domain.ScopeAuthentication); return err }(), domain.ENOTFOUND)
	})
}
