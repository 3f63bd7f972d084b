package accounts

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func newContactTestRepo(t *testing.T) (*VtigerContacts, *vtigersim.Server, *vtigersim.Demo, *vtiger.Client) {
	t.Helper()
	b := vtigertest.Sim(t)
	c := b.Client(t)
	return NewVtigerContacts(c, "email"), b.Sim, b.Demo, c
}

func TestContactsByEmailIgnoresCase(t *testing.T) {
	r, _, demo, _ := newContactTestRepo(t)
	ctx := context.Background()
	tests := []struct {
		email string
		want  string
	}{
		{"carl@acme.example", demo.Contacts["carl"]},
		{"  CARL@Acme.Example ", demo.Contacts["carl"]},
		{"o'brien@acme.example", ""}, // quotes are escaped, not injected
		{"nobody@acme.example", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := r.ContactsByEmail(ctx, tt.email)
		if err != nil {
			t.Fatalf("ContactsByEmail(%q): %v", tt.email, err)
		}
		switch {
		case tt.want == "" && len(got) != 0:
			t.Errorf("ContactsByEmail(%q) = %d contacts, want none", tt.email, len(got))
		case tt.want != "" && (len(got) != 1 || got[0]["id"] != tt.want || got[0]["code"] != "CODE42"):
			t.Errorf("ContactsByEmail(%q) = %v, want %s", tt.email, got, tt.want)
		}
	}
}

func TestContactAccountAndRevise(t *testing.T) {
	r, _, demo, _ := newContactTestRepo(t)
	ctx := context.Background()
	c, err := r.Contact(ctx, demo.Contacts["anna"])
	if err != nil || c["firstname"] != "Anna" {
		t.Fatalf("Contact = %v, %v", c, err)
	}
	acc, err := r.Account(ctx, demo.Accounts["acme"])
	if err != nil || acc["accountname"] != "Acme Ltd" {
		t.Fatalf("Account = %v, %v", acc, err)
	}
	for _, id := range []string{"12x999999", "bogus", ""} {
		if _, err := r.Contact(ctx, id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Contact(%q) err = %v, want ENOTFOUND", id, err)
		}
	}
	got, err := r.ReviseContact(ctx, demo.Contacts["anna"], map[string]any{"title": "CEO", "id": "12x1"})
	if err != nil || got["title"] != "CEO" || got["id"] != demo.Contacts["anna"] {
		t.Fatalf("ReviseContact = %v, %v", got, err)
	}
	if _, err := r.ReviseContact(ctx, "12x999999", map[string]any{"title": "x"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ReviseContact of a missing contact: %v", err)
	}
}

func TestContactAccountContactsIsOneQuery(t *testing.T) {
	r, sim, demo, _ := newContactTestRepo(t)
	ctx := context.Background()
	sim.ResetCounters()
	list, err := r.AccountContacts(ctx, demo.Accounts["acme"])
	if err != nil {
		t.Fatal(err)
	}
	if calls := sim.Calls(); calls["query"] != 1 || calls["retrieve"] != 0 {
		t.Fatalf("calls = %v, want one query", calls)
	}
	ids := map[any]bool{}
	for _, c := range list {
		ids[c["id"]] = true
		if _, ok := c["code"]; ok {
			t.Errorf("colleague row carries the registration code: %v", c)
		}
	}
	if len(list) != 2 || !ids[demo.Contacts["anna"]] || !ids[demo.Contacts["carl"]] {
		t.Fatalf("AccountContacts = %v", list)
	}
	if l, err := r.AccountContacts(ctx, ""); err != nil || len(l) != 0 {
		t.Fatalf("AccountContacts(\"\") = %v, %v", l, err)
	}
}

func TestContactImageFromAttachment(t *testing.T) {
	r, _, demo, c := newContactTestRepo(t)
	ctx := context.Background()
	doc, err := c.Retrieve(ctx, demo.Documents["acme"][0])
	if err != nil {
		t.Fatal(err)
	}
	att := doc.String("imageattachmentids")
	img, err := r.ContactImage(ctx, att)
	if err != nil || img == "" {
		t.Fatalf("ContactImage(%q) = %q, %v", att, img, err)
	}
	if _, err := base64.StdEncoding.DecodeString(img); err != nil {
		t.Fatalf("image is not base64: %v", err)
	}
	if img, err := r.ContactImage(ctx, ""); err != nil || img != "" {
		t.Fatalf("ContactImage(\"\") = %q, %v", img, err)
	}
	// Contacts without a picture yield no entry, and nothing fails.
	if m := r.ContactImages(ctx, []string{demo.Contacts["anna"], "12x999999"}); len(m) != 0 {
		t.Fatalf("ContactImages = %v", m)
	}
}

func TestContactFirstAttachment(t *testing.T) {
	for in, want := range map[string]string{"15x22": "15x22", "15x22;15x23": "15x22", " x;15x9": "15x9", "": "", "abc": ""} {
		if got := firstAttachment(in); got != want {
			t.Errorf("firstAttachment(%q) = %q, want %q", in, got, want)
		}
	}
}
