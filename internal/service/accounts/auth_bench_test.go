package accounts_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// BenchmarkAuthenticate is the per-request token check: shape check,
// SHA-256, one indexed PostgreSQL lookup joined with the user.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	db := postgres.NewFromPool(pgtest.New(b), 5*time.Second)
	users, tokens := postgres.NewUserStore(db), postgres.NewTokenStore(db)
	u := &domain.User{ContactID: "12x1", AccountID: "11x1", Email: "bench@example.com", PasswordHash: "x", IsActive: true}
	if err := users.Create(ctx, u); err != nil {
		b.Fatal(err)
	}
	plain := strings.Repeat("A", 32) // the shape of a real token: 32 base32 characters
	if err := tokens.Insert(ctx, domain.Token{Hash: accounts.HashToken(plain), UserID: u.ID,
		Scope: domain.ScopeAuthentication, Expiry: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	// The CRM is never called by Authenticate.
	vc, err := vtiger.New(vtigertest.SimConfig("http://127.0.0.1:1/webservice.php", nil))
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.Environment = config.EnvDevelopment
	cfg.Auth.EncryptionKey = strings.Repeat("ab", 32)
	svc, err := accounts.New(accounts.Deps{Config: cfg, Users: users, Tokens: tokens, OTP: postgres.NewOTPStore(db),
		Contacts: accounts.NewVtigerContacts(vc, "email"), Avatars: postgres.NewAvatarStore(db), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if sess, err := svc.Authenticate(ctx, plain); err != nil || sess.Customer.ContactID != "12x1" {
		b.Fatalf("Authenticate = %v, %v", sess, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, plain); err != nil {
			b.Fatal(err)
		}
	}
}
