package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
)

// The wired job mails a CRM answer on Anna's ticket; in demo mode the mail
// is listed at /demo/mail.
func TestDemoTicketAnsweredMailThroughWiredApp(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) {
		c.Email.SendTicketEmail = true
		c.Jobs.TicketEmailInterval = 50 * time.Millisecond
	})
	store := postgres.NewTicketMailStore(s.DB)
	// Wait for the first run, which only records where to start.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok, err := store.Watermark(context.Background()); err != nil {
			t.Fatal(err)
		} else if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ticket mail job never ran")
		}
	}
	var ticket string
	for _, id := range s.Demo.Tickets["acme"] {
		if rec, _ := s.Sim.Get(id); rec["contact_id"] == s.Demo.Contacts["anna"] {
			ticket = id
			break
		}
	}
	// The demo route plays the CRM user; it checks its input.
	if code, body := apptest.Call(t, "POST", s.URL()+"/demo/tickets/"+ticket+"/answer", "", map[string]string{"text": " "}); code != 422 {
		t.Fatalf("empty answer: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "POST", s.URL()+"/demo/tickets/"+s.Demo.Contacts["anna"]+"/answer", "", map[string]string{"text": "x"}); code != 404 {
		t.Fatalf("answer on a contact: %d %v", code, body)
	}
	code, body := apptest.Call(t, "POST", s.URL()+"/demo/tickets/"+ticket+"/answer", "", map[string]string{"text": "The technician comes on Monday."})
	if code != 201 {
		t.Fatalf("demo answer: %d %v", code, body)
	}
	if rec, ok := s.Sim.Get(body["id"].(string)); !ok || rec["related_to"] != ticket || rec["creator"] != s.Demo.ManagerUserID || rec["is_private"] != "0" {
		t.Fatalf("demo answer stored as %v", rec)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, box := getDemoMail(t, s.URL())
		found := 0
		for _, m := range box.Data {
			if m.Template == "ticket_answered" {
				found++
				if m.To != "anna@acme.example" || !strings.Contains(m.Text, "The technician comes on Monday.") {
					t.Fatalf("ticket answered mail: %+v", m)
				}
			}
		}
		if found > 1 {
			t.Fatalf("%d ticket answered mails, want 1", found)
		}
		if found == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ticket answered mail at /demo/mail: %+v", box)
		}
	}
}
