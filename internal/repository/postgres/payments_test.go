package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func TestPaymentInsertIdempotent(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	payments := postgres.NewPaymentStore(db)
	u := mkUser(t, db, "11x1")

	p := domain.Payment{StripePaymentID: "pi_A", UserID: u.ID, ContactID: u.ContactID, AccountID: "11x1",
		ParentID: "7x5", ParentModule: "Invoice", AmountMinor: 12345, Currency: "eur"}
	first, created, err := payments.Insert(ctx, p)
	if err != nil || !created {
		t.Fatalf("insert: created=%v %v", created, err)
	}
	if first.ID == 0 || first.Status != domain.PaymentPending || first.PaymentMethod != "card" || first.CRMSynced ||
		first.UserID != u.ID || first.AmountMinor != 12345 || first.ParentModule != "Invoice" || first.CreatedAt.IsZero() {
		t.Fatalf("stored %+v", first)
	}

	// The same PaymentIntent again (double submit, concurrently): one row, the original.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			again := p
			again.AmountMinor = 1 // must not overwrite
			got, created, err := payments.Insert(ctx, again)
			if err != nil || created || got.ID != first.ID || got.AmountMinor != 12345 {
				t.Errorf("re-insert: %+v created=%v %v", got, created, err)
			}
		})
	}
	wg.Wait()

	invalid := []struct {
		name  string
		p     domain.Payment
		field string
	}{
		{"no stripe id", domain.Payment{ParentID: "7x1", AmountMinor: 1, Currency: "usd"}, "stripe_payment_id"},
		{"no parent", domain.Payment{StripePaymentID: "pi_x", AmountMinor: 1, Currency: "usd"}, "parent_id"},
		{"zero amount", domain.Payment{StripePaymentID: "pi_x", ParentID: "7x1", Currency: "usd"}, "amount"},
		{"bad status", domain.Payment{StripePaymentID: "pi_x", ParentID: "7x1", AmountMinor: 1, Currency: "usd", Status: 42}, "status"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := payments.Insert(ctx, tt.p)
			testutil.WantCode(t, err, domain.EINVALID)
			if domain.ErrorField(err) != tt.field {
				t.Fatalf("field %q", domain.ErrorField(err))
			}
		})
	}
	_, err = payments.ByStripeID(ctx, "pi_missing")
	testutil.WantCode(t, err, domain.ENOTFOUND)
}

func TestPaymentStatusAndCRMSync(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	payments := postgres.NewPaymentStore(db)
	u := mkUser(t, db, "11x1")
	p, _, err := payments.Insert(ctx, domain.Payment{StripePaymentID: "pi_S", UserID: u.ID, AccountID: "11x1", ParentID: "7x5", AmountMinor: 500, Currency: "usd"})
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name    string
		do      func() (bool, error)
		changed bool
		status  domain.PaymentStatus
	}{
		{"processing", func() (bool, error) { return payments.UpdateStatus(ctx, "pi_S", domain.PaymentProcessing) }, true, domain.PaymentProcessing},
		{"processing again", func() (bool, error) { return payments.UpdateStatus(ctx, "pi_S", domain.PaymentProcessing) }, false, domain.PaymentProcessing},
		{"paid", func() (bool, error) { return payments.MarkPaid(ctx, "pi_S") }, true, domain.PaymentSucceeded},
		{"paid again", func() (bool, error) { return payments.MarkPaid(ctx, "pi_S") }, false, domain.PaymentSucceeded},
		{"late event cannot un-pay", func() (bool, error) { return payments.UpdateStatus(ctx, "pi_S", domain.PaymentRequiresAction) }, false, domain.PaymentSucceeded},
		{"succeeded via UpdateStatus", func() (bool, error) { return payments.UpdateStatus(ctx, "pi_S", domain.PaymentSucceeded) }, false, domain.PaymentSucceeded},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			changed, err := st.do()
			if err != nil || changed != st.changed {
				t.Fatalf("changed=%v err=%v, want %v", changed, err, st.changed)
			}
			got, _ := payments.ByStripeID(ctx, "pi_S")
			if got.Status != st.status {
				t.Fatalf("status %v, want %v", got.Status, st.status)
			}
		})
	}
	if _, err := payments.MarkPaid(ctx, "pi_none"); !isNotFound(err) {
		t.Fatalf("MarkPaid missing: %v", err)
	}
	if _, err := payments.UpdateStatus(ctx, "pi_none", domain.PaymentFailed); !isNotFound(err) {
		t.Fatalf("UpdateStatus missing: %v", err)
	}
	if _, err := payments.UpdateStatus(ctx, "pi_S", domain.PaymentStatus(-1)); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("invalid status: %v", err)
	}

	// Exactly one of many concurrent confirmations wins the right to update Vtiger.
	q, _, _ := payments.Insert(ctx, domain.Payment{StripePaymentID: "pi_C", AccountID: "11x1", ParentID: "7x6", AmountMinor: 1, Currency: "usd"})
	wins := concurrentWins(t, 8, func() (bool, error) { return payments.MarkPaid(ctx, "pi_C") })
	if wins != 1 {
		t.Fatalf("%d winners of MarkPaid", wins)
	}

	// CRM sync queue: both paid payments, least-tried first.
	pending, err := payments.PendingCRMSync(ctx, 10)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	if err := payments.RecordCRMFailure(ctx, p.ID, "vtiger down"); err != nil {
		t.Fatal(err)
	}
	pending, _ = payments.PendingCRMSync(ctx, 10)
	if pending[0].ID != q.ID || pending[1].ID != p.ID || pending[1].CRMAttempts != 1 || pending[1].LastError != "vtiger down" {
		t.Fatalf("pending after failure: %+v", pending)
	}
	if one, _ := payments.PendingCRMSync(ctx, 1); len(one) != 1 {
		t.Fatalf("limit ignored: %d", len(one))
	}
	if err := payments.MarkCRMSynced(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := payments.ByStripeID(ctx, "pi_S")
	if !got.CRMSynced || got.LastError != "" || got.CRMAttempts != 1 {
		t.Fatalf("after sync: %+v", got)
	}
	// A repeated success event must not re-queue a synced payment.
	if changed, _ := payments.MarkPaid(ctx, "pi_S"); changed {
		t.Fatal("MarkPaid changed a synced payment")
	}
	pending, _ = payments.PendingCRMSync(ctx, 10)
	if len(pending) != 1 || pending[0].ID != q.ID {
		t.Fatalf("pending after sync: %+v", pending)
	}
	testutil.WantCode(t, payments.MarkCRMSynced(ctx, 999999), domain.ENOTFOUND)
	testutil.WantCode(t, payments.RecordCRMFailure(ctx, 999999, "x"), domain.ENOTFOUND)
}

func TestPaymentLists(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	payments := postgres.NewPaymentStore(db)
	a := mkUser(t, db, "11x1")
	b := mkUser(t, db, "11x1")
	c := mkUser(t, db, "11x2")
	add := func(id string, u *domain.User) int64 {
		p, _, err := payments.Insert(ctx, domain.Payment{StripePaymentID: id, UserID: u.ID, AccountID: u.AccountID, ParentID: "7x1", AmountMinor: 1, Currency: "usd"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	var ids []int64
	for i := range 3 {
		ids = append(ids, add(fmt.Sprintf("pi_a%d", i), a))
	}
	bID := add("pi_b", b)
	cID := add("pi_c", c)

	tests := []struct {
		name  string
		list  func() ([]domain.Payment, int, error)
		total int
		want  []int64
	}{
		{"account page 1", func() ([]domain.Payment, int, error) { return payments.ListByAccount(ctx, "11x1", 2, 0) }, 4, []int64{bID, ids[2]}},
		{"account page 2", func() ([]domain.Payment, int, error) { return payments.ListByAccount(ctx, "11x1", 2, 2) }, 4, []int64{ids[1], ids[0]}},
		{"account past end", func() ([]domain.Payment, int, error) { return payments.ListByAccount(ctx, "11x1", 2, 10) }, 4, nil},
		{"other account", func() ([]domain.Payment, int, error) { return payments.ListByAccount(ctx, "11x2", 10, 0) }, 1, []int64{cID}},
		{"empty account matches nothing", func() ([]domain.Payment, int, error) { return payments.ListByAccount(ctx, "", 10, 0) }, 0, nil},
		{"user", func() ([]domain.Payment, int, error) { return payments.ListByUser(ctx, a.ID, 10, 0) }, 3, []int64{ids[2], ids[1], ids[0]}},
		{"user b", func() ([]domain.Payment, int, error) { return payments.ListByUser(ctx, b.ID, 0, -5) }, 1, []int64{bID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := tt.list()
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || got == nil {
				t.Fatalf("total=%d (want %d) items=%v", total, tt.total, got)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d items, want %d", len(got), len(tt.want))
			}
			for i, p := range got {
				if p.ID != tt.want[i] {
					t.Fatalf("item %d id %d, want %d", i, p.ID, tt.want[i])
				}
			}
		})
	}
}

func TestStripeEvents(t *testing.T) {
	ctx := context.Background()
	payments := postgres.NewPaymentStore(newDB(t))
	firsts := concurrentWins(t, 8, func() (bool, error) {
		return payments.RecordStripeEvent(ctx, "evt_1", "payment_intent.succeeded")
	})
	if firsts != 1 {
		t.Fatalf("event recorded as first %d times", firsts)
	}
	if first, err := payments.RecordStripeEvent(ctx, "evt_2", "x"); err != nil || !first {
		t.Fatalf("new event: %v %v", first, err)
	}
	_, err := payments.RecordStripeEvent(ctx, "", "x")
	testutil.WantCode(t, err, domain.EINVALID)
}

func TestPaymentStatusNames(t *testing.T) {
	tests := []struct {
		stripe string
		want   domain.PaymentStatus
	}{
		{"succeeded", domain.PaymentSucceeded},
		{"canceled", domain.PaymentCancelled},
		{"cancelled", domain.PaymentCancelled},
		{"processing", domain.PaymentProcessing},
		{"requires_action", domain.PaymentRequiresAction},
		{"requires_capture", domain.PaymentRequiresCapture},
		{"requires_confirmation", domain.PaymentRequiresConfirmation},
		{"requires_payment_method", domain.PaymentRequiresPaymentMethod},
		{"something_new", domain.PaymentCreated},
	}
	for _, tt := range tests {
		if got := domain.PaymentStatusFromStripe(tt.stripe); got != tt.want {
			t.Errorf("%s → %d, want %d", tt.stripe, got, tt.want)
		}
	}
	if domain.PaymentFailed != 9 || domain.PaymentCreated != 8 || domain.PaymentStatus(10).Valid() || domain.PaymentStatus(10).String() != "unknown" {
		t.Fatal("status numbering changed")
	}
}

func TestPaymentSucceededTotal(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	payments := postgres.NewPaymentStore(db)
	a := mkUser(t, db, "11x1")
	b := mkUser(t, db, "11x2")
	n := 0
	add := func(u *domain.User, parent, currency string, amount int64, status domain.PaymentStatus) {
		t.Helper()
		n++
		id := fmt.Sprintf("pi_sum%d", n)
		if _, _, err := payments.Insert(ctx, domain.Payment{StripePaymentID: id, UserID: u.ID, AccountID: u.AccountID,
			ParentID: parent, AmountMinor: amount, Currency: currency}); err != nil {
			t.Fatal(err)
		}
		if status == domain.PaymentPending {
			return
		}
		if _, err := payments.UpdateStatus(ctx, id, status); err != nil {
			t.Fatal(err)
		}
	}
	add(a, "7x1", "eur", 1000, domain.PaymentSucceeded)
	add(a, "7x1", "eur", 250, domain.PaymentSucceeded)
	add(b, "7x1", "eur", 5, domain.PaymentSucceeded) // another customer's payment is still money on the record
	add(a, "7x1", "usd", 700, domain.PaymentSucceeded)
	add(a, "7x1", "eur", 9000, domain.PaymentPending)
	add(a, "7x1", "eur", 9000, domain.PaymentFailed)
	add(a, "7x1", "eur", 9000, domain.PaymentCancelled)
	add(a, "7x1", "eur", 9000, domain.PaymentProcessing)
	add(a, "7x2", "eur", 40, domain.PaymentSucceeded)
	add(a, "7x3", "eur", 9000, domain.PaymentFailed)
	// Totals past int32 must survive the SUM's numeric result.
	add(a, "7x4", "jpy", 3_000_000_000, domain.PaymentSucceeded)
	add(a, "7x4", "jpy", 3_000_000_000, domain.PaymentSucceeded)

	tests := []struct {
		name             string
		parent, currency string
		want             int64
	}{
		{"succeeded of every customer, one currency", "7x1", "eur", 1255},
		{"other currency counted apart", "7x1", "usd", 700},
		{"currency with no payments", "7x1", "gbp", 0},
		{"other record", "7x2", "eur", 40},
		{"only unpaid payments", "7x3", "eur", 0},
		{"unknown record", "7x99", "eur", 0},
		{"large amounts", "7x4", "jpy", 6_000_000_000},
		{"parent id is matched exactly", "7x", "eur", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := payments.SucceededTotal(ctx, tt.parent, tt.currency)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("SucceededTotal(%s, %s) = %d, want %d", tt.parent, tt.currency, got, tt.want)
			}
		})
	}
}

func TestPaymentListByParentUser(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	payments := postgres.NewPaymentStore(db)
	a := mkUser(t, db, "11x1")
	b := mkUser(t, db, "11x1")
	add := func(id string, u *domain.User, parent string) int64 {
		t.Helper()
		p, _, err := payments.Insert(ctx, domain.Payment{StripePaymentID: id, UserID: u.ID, AccountID: u.AccountID,
			ParentID: parent, AmountMinor: 1, Currency: "eur"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	a1 := add("pi_p1", a, "7x1")
	add("pi_p2", b, "7x1")
	add("pi_p3", a, "7x2")
	a4 := add("pi_p4", a, "7x1")

	tests := []struct {
		name   string
		parent string
		user   int64
		want   []int64
	}{
		{"own attempts on the record, newest first", "7x1", a.ID, []int64{a4, a1}},
		{"nothing on another record", "7x3", a.ID, nil},
		{"unknown user", "7x1", 999999, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := payments.ListByParentUser(ctx, tt.parent, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || len(got) != len(tt.want) {
				t.Fatalf("got %v, want ids %v", got, tt.want)
			}
			for i, p := range got {
				if p.ID != tt.want[i] {
					t.Fatalf("item %d id %d, want %d", i, p.ID, tt.want[i])
				}
			}
		})
	}
}
