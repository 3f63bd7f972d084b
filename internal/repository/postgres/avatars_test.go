package postgres_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func TestAvatarStore(t *testing.T) {
	ctx := context.Background()
	st := postgres.NewAvatarStore(newDB(t))

	_, err := st.Get(ctx, "12x1")
	testutil.WantCode(t, err, domain.ENOTFOUND)

	if err := st.Put(ctx, domain.Avatar{ContactID: "12x1", Name: "a.png", MimeType: "image/png", Content: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	// A second upload replaces the first.
	if err := st.Put(ctx, domain.Avatar{ContactID: "12x1", Name: "b.jpg", MimeType: "image/jpeg", Content: []byte("second")}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Get(ctx, "12x1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "b.jpg" || a.MimeType != "image/jpeg" || !bytes.Equal(a.Content, []byte("second")) || a.UpdatedAt.IsZero() {
		t.Fatalf("Get = %+v, want the second upload", a)
	}
	if err := st.Put(ctx, domain.Avatar{ContactID: "12x2", Name: "c.gif", MimeType: "image/gif", Content: []byte("third")}); err != nil {
		t.Fatal(err)
	}

	many, err := st.Many(ctx, []string{"12x1", "12x2", "12x3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 2 || string(many["12x1"].Content) != "second" || string(many["12x2"].Content) != "third" || many["12x3"] != nil {
		t.Fatalf("Many = %v", many)
	}
	if none, err := st.Many(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("Many(nil) = %v, %v", none, err)
	}

	// The table refuses what the service must never store.
	for _, bad := range []domain.Avatar{
		{ContactID: "12x4", Name: "x.svg", MimeType: "image/svg+xml", Content: []byte("<svg/>")},
		{ContactID: "12x4", Name: "x.png", MimeType: "image/png", Content: nil},
		{ContactID: "not an id", Name: "x.png", MimeType: "image/png", Content: []byte("x")},
		{ContactID: "12x4", Name: "x.png", MimeType: "image/png", Content: make([]byte, 1<<20+1)},
	} {
		if err := st.Put(ctx, bad); err == nil {
			t.Errorf("Put(%s, %s, %d bytes) succeeded", bad.ContactID, bad.MimeType, len(bad.Content))
		}
	}
	if _, err := st.Get(ctx, "12x4"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("a refused avatar was stored: %v", err)
	}
}
