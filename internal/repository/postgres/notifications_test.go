package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func TestNotifications(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	notes := postgres.NewNotificationStore(db)
	a := mkUser(t, db, "11x1")
	b := mkUser(t, db, "11x1")
	c := mkUser(t, db, "11x2")

	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	in := func(crm string, minutes int) domain.NotificationInput {
		return domain.NotificationInput{CRMID: crm, AccountID: "11x1", ContactID: "", Module: "HelpDesk",
			Label: "Ticket " + crm, Description: "updated", RelatedID: "17x5", AssignedUserID: "19x1",
			CreatedAt: base.Add(time.Duration(minutes) * time.Minute)}
	}

	imports := []struct {
		name  string
		in    domain.NotificationInput
		users []int64
		want  int
	}{
		{"fan out to account", in("50x1", 0), []int64{a.ID, b.ID}, 2},
		{"re-import is a no-op", in("50x1", 0), []int64{a.ID, b.ID}, 0},
		{"new recipient of same record", in("50x1", 0), []int64{a.ID, b.ID, c.ID}, 1},
		{"second record", in("50x2", 5), []int64{a.ID}, 1},
		{"unknown user skipped", in("50x3", 10), []int64{a.ID, 999999}, 1},
		{"no recipients", in("50x4", 0), nil, 0},
		{"no crm id never deduplicated", in("", 20), []int64{a.ID}, 1},
		{"no crm id again", in("", 21), []int64{a.ID}, 1},
	}
	for _, tt := range imports {
		t.Run(tt.name, func(t *testing.T) {
			n, err := notes.InsertForRecipients(ctx, tt.in, tt.users)
			if err != nil || n != tt.want {
				t.Fatalf("inserted %d, %v; want %d", n, err, tt.want)
			}
		})
	}

	items, total, unread, err := notes.ListForUser(ctx, a.ID, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || unread != 5 || len(items) != 3 {
		t.Fatalf("total=%d unread=%d len=%d", total, unread, len(items))
	}
	// Newest first.
	if !items[0].CreatedAt.Equal(base.Add(21*time.Minute)) || items[2].CRMID != "50x3" {
		t.Fatalf("order: %+v", items)
	}
	if items[2].UserID != a.ID || items[2].Module != "HelpDesk" || items[2].AccountID != "11x1" ||
		items[2].RelatedID != "17x5" || items[2].AssignedUserID != "19x1" || items[2].IsRead {
		t.Fatalf("fields: %+v", items[2])
	}
	page2, _, _, err := notes.ListForUser(ctx, a.ID, 3, 3)
	if err != nil || len(page2) != 2 || page2[1].CRMID != "50x1" {
		t.Fatalf("page 2: %+v %v", page2, err)
	}

	// Reading: only one's own notifications.
	bItems, _, _, _ := notes.ListForUser(ctx, b.ID, 10, 0)
	if len(bItems) != 1 {
		t.Fatalf("b has %d notifications", len(bItems))
	}
	testutil.WantCode(t, notes.MarkRead(ctx, a.ID, bItems[0].ID), domain.ENOTFOUND)
	testutil.WantCode(t, notes.Delete(ctx, a.ID, bItems[0].ID), domain.ENOTFOUND)
	if err := notes.MarkRead(ctx, a.ID, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := notes.MarkRead(ctx, a.ID, items[0].ID); err != nil {
		t.Fatalf("marking read twice: %v", err)
	}
	_, _, unread, _ = notes.ListForUser(ctx, a.ID, 10, 0)
	if unread != 4 {
		t.Fatalf("unread = %d, want 4", unread)
	}
	if _, _, bUnread, _ := notes.ListForUser(ctx, b.ID, 10, 0); bUnread != 1 {
		t.Fatal("b's read state changed by a")
	}
	if n, err := notes.MarkAllRead(ctx, a.ID); err != nil || n != 4 {
		t.Fatalf("MarkAllRead = %d, %v", n, err)
	}
	if err := notes.Delete(ctx, a.ID, items[0].ID); err != nil {
		t.Fatal(err)
	}
	_, total, unread, _ = notes.ListForUser(ctx, a.ID, 10, 0)
	if total != 4 || unread != 0 {
		t.Fatalf("after delete total=%d unread=%d", total, unread)
	}
	// A dismissed notification stays dismissed when its CRM record is imported again.
	if err := notes.Delete(ctx, a.ID, items[2].ID); err != nil {
		t.Fatal(err)
	}
	if n, err := notes.InsertForRecipients(ctx, in("50x3", 0), []int64{a.ID}); err != nil || n != 0 {
		t.Fatalf("re-import after delete inserted %d, %v", n, err)
	}
	if n, err := notes.InsertForRecipients(ctx, in("50x2", 0), []int64{a.ID}); err != nil || n != 0 {
		t.Fatalf("re-import of 50x2 inserted %d, %v", n, err)
	}
	_, total, _, _ = notes.ListForUser(ctx, a.ID, 10, 0)
	if total != 3 {
		t.Fatalf("total after re-import = %d", total)
	}
	testutil.WantCode(t, notes.Delete(ctx, a.ID, items[2].ID), domain.ENOTFOUND)
	testutil.WantCode(t, notes.MarkRead(ctx, a.ID, items[2].ID), domain.ENOTFOUND)
	empty, total, _, err := notes.ListForUser(ctx, 999999, 10, 0)
	if err != nil || empty == nil || len(empty) != 0 || total != 0 {
		t.Fatalf("unknown user: %v %d %v", empty, total, err)
	}
}
