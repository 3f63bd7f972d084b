package mail

import (
	"context"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// With an Outbox as transport nothing goes to SMTP (smtp.host points at a
// closed port): every mail is kept, newest first, and logged in full.
func TestOutboxKeepsAndLogsEveryMail(t *testing.T) {
	logger, logs := newLogger()
	box := NewOutbox(2, logger)
	m, _ := newMailer(t, config.SMTP{Host: "127.0.0.1", Port: 1, TLS: "none"}, config.Email{}, WithTransport(box))
	ctx := context.Background()
	reset := customer
	reset.Link = "http://127.0.0.1:4050/auth/reset?token=demo-token-1"
	msgs := []Message{
		{To: "Ann Smith <ann@customer.test>", Template: TemplateWelcome, Data: customer},
		{To: "ann@customer.test", Template: TemplatePasswordReset, Data: reset},
		{To: "ann@customer.test", Template: TemplateTicketCreated, Data: Data{TicketNo: "TT7", TicketTitle: "Printer"}},
	}
	for _, msg := range msgs {
		if err := m.Enqueue(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := box.List()
	if len(got) != 2 {
		t.Fatalf("outbox keeps %d messages, want the newest 2", len(got))
	}
	if got[0].Template != TemplateTicketCreated || got[1].Template != TemplatePasswordReset {
		t.Fatalf("order: %s, %s; want newest first", got[0].Template, got[1].Template)
	}
	r := got[1]
	if r.To != "ann@customer.test" || r.Subject != "Password reset" || !strings.Contains(r.Text, reset.Link) ||
		!strings.Contains(r.HTML, "token=demo-token-1") || len(r.Raw) == 0 || r.MessageID == "" || r.SentAt.IsZero() {
		t.Errorf("reset mail as kept: %+v", r)
	}
	if l := Links(r.Text); len(l) == 0 || l[0] != reset.Link {
		t.Errorf("Links(reset text) = %v", l)
	}
	out := logs.String()
	for _, want := range []string{"demo mail", "template=welcome", "token=demo-token-1", "TT7"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NOT delivered") {
		t.Errorf("a message went to SMTP:\n%s", out)
	}
}
