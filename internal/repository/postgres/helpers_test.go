package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

func newDB(t *testing.T) *postgres.DB {
	t.Helper()
	return postgres.NewFromPool(pgtest.New(t), 0)
}

var seq atomic.Int64

// mkUser creates a user with unique e-mail and contact id in account.
func mkUser(t *testing.T, db *postgres.DB, account string) *domain.User {
	t.Helper()
	n := seq.Add(1)
	u := &domain.User{
		ContactID:    fmt.Sprintf("12x%d", 1000+n),
		AccountID:    account,
		Email:        fmt.Sprintf("user%d@example.com", n),
		PasswordHash: "$argon2id$hash",
		FirstName:    "First",
		LastName:     "Last",
		IsActive:     true,
	}
	if err := postgres.NewUserStore(db).Create(context.Background(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// concurrentWins calls try n times at once and counts the calls that
// returned true; an error fails the test.
func concurrentWins(t *testing.T, n int, try func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	var wins atomic.Int64
	for range n {
		wg.Go(func() {
			ok, err := try()
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	return int(wins.Load())
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }
