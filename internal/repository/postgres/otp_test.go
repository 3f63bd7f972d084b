package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func TestOTPPending(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	otp := postgres.NewOTPStore(db)
	users := postgres.NewUserStore(db)
	u := mkUser(t, db, "")

	t.Run("missing", func(t *testing.T) {
		_, err := otp.TakePending(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
		_, err = otp.PendingSecret(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
		testutil.WantCode(t, otp.ActivatePending(ctx, u.ID), domain.ENOTFOUND)
	})
	t.Run("save replaces, peek keeps, take consumes", func(t *testing.T) {
		if err := otp.SavePending(ctx, u.ID, []byte("first"), future()); err != nil {
			t.Fatal(err)
		}
		if err := otp.SavePending(ctx, u.ID, []byte("second"), future()); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			s, err := otp.PendingSecret(ctx, u.ID)
			if err != nil || string(s) != "second" {
				t.Fatalf("PendingSecret = %q, %v", s, err)
			}
		}
		s, err := otp.TakePending(ctx, u.ID)
		if err != nil || string(s) != "second" {
			t.Fatalf("TakePending = %q, %v", s, err)
		}
		_, err = otp.TakePending(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
	})
	t.Run("expired is not found and removed", func(t *testing.T) {
		if err := otp.SavePending(ctx, u.ID, []byte("old"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err := otp.PendingSecret(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
		testutil.WantCode(t, otp.ActivatePending(ctx, u.ID), domain.ENOTFOUND)
		_, err = otp.TakePending(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM otp_pending`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("expired pending row left: %d %v", n, err)
		}
	})
	t.Run("activate copies onto the user", func(t *testing.T) {
		if err := otp.SavePending(ctx, u.ID, []byte("enc-secret"), future()); err != nil {
			t.Fatal(err)
		}
		if err := otp.ActivatePending(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		got, err := users.ByID(ctx, u.ID)
		if err != nil || string(got.OTPSecret) != "enc-secret" || !got.OTPEnabled || !got.OTPVerified {
			t.Fatalf("user after activate: %+v %v", got, err)
		}
		testutil.WantCode(t, otp.ActivatePending(ctx, u.ID), domain.ENOTFOUND)
	})
	t.Run("delete pending", func(t *testing.T) {
		if err := otp.SavePending(ctx, u.ID, []byte("x"), future()); err != nil {
			t.Fatal(err)
		}
		if err := otp.DeletePending(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err := otp.PendingSecret(ctx, u.ID)
		testutil.WantCode(t, err, domain.ENOTFOUND)
	})
	t.Run("invalid", func(t *testing.T) {
		testutil.WantCode(t, otp.SavePending(ctx, u.ID, nil, future()), domain.EINVALID)
		testutil.WantCode(t, otp.SavePending(ctx, u.ID+1000, []byte("x"), future()), domain.ENOTFOUND)
	})
}

func TestRecoveryCodes(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	otp := postgres.NewOTPStore(db)
	u := mkUser(t, db, "")
	other := mkUser(t, db, "")

	if err := otp.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hash("a"), hash("b"), hash("c")}); err != nil {
		t.Fatal(err)
	}
	if err := otp.ReplaceRecoveryCodes(ctx, other.ID, [][]byte{hash("z")}); err != nil {
		t.Fatal(err)
	}
	remaining := func(t *testing.T, want int) {
		t.Helper()
		n, err := otp.RemainingRecoveryCodes(ctx, u.ID)
		if err != nil || n != want {
			t.Fatalf("remaining = %d, %v; want %d", n, err, want)
		}
	}
	remaining(t, 3)

	// The same code presented concurrently is accepted exactly once.
	const n = 16
	wins := concurrentWins(t, n, func() (bool, error) { return otp.UseRecoveryCode(ctx, u.ID, hash("a")) })
	if wins != 1 {
		t.Fatalf("code used %d times concurrently, want 1", wins)
	}
	remaining(t, 2)

	uses := []struct {
		name string
		user int64
		code []byte
		want bool
	}{
		{"used again", u.ID, hash("a"), false},
		{"unknown", u.ID, hash("q"), false},
		{"another user's code", u.ID, hash("z"), false},
		{"fresh", u.ID, hash("b"), true},
	}
	for _, tt := range uses {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := otp.UseRecoveryCode(ctx, tt.user, tt.code)
			if err != nil || ok != tt.want {
				t.Fatalf("ok=%v err=%v want %v", ok, err, tt.want)
			}
		})
	}
	remaining(t, 1)

	// Replacing invalidates every old code at once.
	if err := otp.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hash("d"), hash("e")}); err != nil {
		t.Fatal(err)
	}
	remaining(t, 2)
	if ok, _ := otp.UseRecoveryCode(ctx, u.ID, hash("c")); ok {
		t.Fatal("old code still works after replace")
	}
	// A failed replace (duplicate codes) keeps the previous set.
	testutil.WantCode(t, otp.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hash("f"), hash("f")}), domain.ECONFLICT)
	remaining(t, 2)
	testutil.WantCode(t, otp.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hash("g"), nil}), domain.EINVALID)
	remaining(t, 2)
	// nil removes all.
	if err := otp.ReplaceRecoveryCodes(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	remaining(t, 0)
	if n, _ := otp.RemainingRecoveryCodes(ctx, other.ID); n != 1 {
		t.Fatalf("other user's codes touched: %d", n)
	}
}
