package ticketmail_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/ticketmail"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/smtptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// env is one CRM (the simulator), one database, one SMTP server, and two
// portal instances sharing them, each with its own pool, client, mailer and
// job runner.
type env struct {
	sim       *vtigersim.Server
	demo      *vtigersim.Demo
	smtp      *smtptest.Server
	db        *postgres.DB
	instances []*instance
	ticket    string // an Acme ticket whose contact is Anna
	annaID    string
}

type instance struct {
	runner *jobs.Runner
	mailer *mail.Mailer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	be := vtigertest.Sim(t)
	sim, demo := be.Sim, be.Demo
	e := &env{sim: sim, demo: demo, smtp: smtptest.Start(t), annaID: demo.Contacts["anna"]}
	for _, id := range demo.Tickets["acme"] {
		if rec, _ := sim.Get(id); rec["contact_id"] == e.annaID {
			e.ticket = id
			break
		}
	}
	if e.ticket == "" {
		t.Fatal("no demo ticket of Anna")
	}
	dsn := pgtest.DSN(t)
	cfg := config.Default()
	cfg.DB.DSN = dsn
	cfg.Domain = "https://portal.example.com"
	cfg.Vtiger.Business.SupportEmail = "help@acme.example"
	logger := slog.New(slog.DiscardHandler)
	for range 2 {
		db, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		if e.db == nil {
			e.db = db
		}
		client := be.Client(t, func(c *vtiger.Config) { c.Timeout = 10 * time.Second })
		m, err := mail.New(e.smtp.SMTP("none"), cfg.Email, logger)
		if err != nil {
			t.Fatal(err)
		}
		m.Start(ctx)
		t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
		svc, err := ticketmail.New(ticketmail.Options{
			Config: cfg, CRM: client, Store: postgres.NewTicketMailStore(db), Users: postgres.NewUserStore(db),
			Mailer: m, CompanyName: func(context.Context) string { return "Acme Support" }, Logger: logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		r := jobs.New(db, logger)
		r.AddStandard(jobs.Standard{Jobs: config.Jobs{TicketEmailInterval: time.Hour}, TicketMail: svc})
		e.instances = append(e.instances, &instance{runner: r, mailer: m})
	}
	anna := &domain.User{ContactID: e.annaID, AccountID: demo.Accounts["acme"], Email: "anna@acme.example",
		PasswordHash: "x", FirstName: "Anna", LastName: "Becker", IsActive: true}
	if err := postgres.NewUserStore(e.db).Create(ctx, anna); err != nil {
		t.Fatal(err)
	}
	return e
}

// runAll runs the job on every instance at once, then on each once more.
func (e *env) runAll(t *testing.T) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(e.instances))
	for _, in := range e.instances {
		wg.Go(func() {
			if _, err := in.runner.RunOnce(context.Background(), jobs.NameTicketAnswerMail); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("job: %v", err)
	}
	for _, in := range e.instances {
		if ran, err := in.runner.RunOnce(context.Background(), jobs.NameTicketAnswerMail); err != nil || !ran {
			t.Fatalf("job: ran %v, %v", ran, err)
		}
	}
}

// drain delivers everything the mailers queued, so counting the SMTP
// server's messages afterwards is exact.
func (e *env) drain(t *testing.T) []smtptest.Message {
	t.Helper()
	for _, in := range e.instances {
		if err := in.mailer.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return e.smtp.Messages()
}

func (e *env) comment(t *testing.T, fields map[string]string) string {
	t.Helper()
	f := map[string]string{"related_to": e.ticket, "is_private": "0", "related_email_id": "0"}
	for k, v := range fields {
		f[k] = v
	}
	id, err := e.sim.Insert("ModComments", f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func textPart(t *testing.T, raw []byte) (subject, text, html string, to string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			text = string(b)
		} else {
			html = string(b)
		}
	}
	return subject, text, html, msg.Header.Get("To")
}

// A public comment by a CRM user is mailed exactly once, however often and
// on however many instances the job runs; the customer's own comment, a
// private comment, the portal user's comment and comments on tickets of
// contacts without a portal account are never mailed, and neither are the
// comments that existed before the first run.
func TestCRMAnswerMailedOnceAndOnlyIt(t *testing.T) {
	e := newEnv(t)
	e.runAll(t) // first runs: only the starting point is recorded
	if got := e.smtp.Messages(); len(got) != 0 {
		t.Fatalf("the first run mailed %d old comments", len(got))
	}
	mgr := e.demo.ManagerUserID
	answer := e.comment(t, map[string]string{"commentcontent": "We replaced the fuser.<br />\nPlease print a test page &amp; tell us.",
		"creator": mgr, "assigned_user_id": mgr})
	e.comment(t, map[string]string{"commentcontent": "Internal: check the toner supplier", "creator": mgr,
		"assigned_user_id": mgr, "is_private": "1"})
	e.comment(t, map[string]string{"commentcontent": "Still jammed, sorry", "customer": e.annaID,
		"creator": e.demo.AdminUserID, "assigned_user_id": e.demo.AdminUserID})
	e.comment(t, map[string]string{"commentcontent": "Written by the portal's own user", "creator": e.demo.AdminUserID,
		"assigned_user_id": e.demo.AdminUserID})
	var bensTicket string
	for _, id := range e.demo.Tickets["globex"] {
		bensTicket = id
	}
	e.comment(t, map[string]string{"related_to": bensTicket, "commentcontent": "Ben has no portal account here",
		"creator": mgr, "assigned_user_id": mgr})

	e.runAll(t)
	e.runAll(t)
	got := e.drain(t)
	if len(got) != 1 {
		for _, m := range got {
			_, text, _, _ := textPart(t, m.Data)
			t.Logf("mail to %v:\n%s", m.To, text)
		}
		t.Fatalf("%d mails, want exactly 1", len(got))
	}
	if len(got[0].To) != 1 || got[0].To[0] != "anna@acme.example" {
		t.Errorf("mail to %v", got[0].To)
	}
	ticket, _ := e.sim.Get(e.ticket)
	subject, text, html, _ := textPart(t, got[0].Data)
	if subject != "Ticket "+ticket["ticket_no"]+" was answered" {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{"Hello Anna Becker", ticket["ticket_no"], ticket["ticket_title"],
		"We replaced the fuser.\r\nPlease print a test page & tell us.", "https://portal.example.com/app/tickets/" + e.ticket, "Acme Support"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"We replaced the fuser.", "test page &amp; tell us", `href="https://portal.example.com/app/tickets/` + e.ticket + `"`} {
		if !strings.Contains(html, want) {
			t.Errorf("html part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<br />") {
		t.Errorf("the comment's markup reached the mail:\n%s", html)
	}
	sent, err := postgres.NewTicketMailStore(e.db).Sent(context.Background(), e.ticket)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].CommentID != answer || sent[0].Email != "anna@acme.example" || sent[0].ContactID != e.annaID {
		t.Errorf("recorded mails: %+v (answer %s)", sent, answer)
	}
}

// A second answer after the first was mailed gets its own single mail.
func TestEachAnswerMailedOnce(t *testing.T) {
	e := newEnv(t)
	e.runAll(t)
	mgr := e.demo.ManagerUserID
	e.comment(t, map[string]string{"commentcontent": "First answer", "creator": mgr, "assigned_user_id": mgr})
	e.runAll(t)
	e.smtp.Wait(t, 1)
	e.comment(t, map[string]string{"commentcontent": "Second answer", "creator": mgr, "assigned_user_id": mgr})
	e.runAll(t)
	got := e.drain(t)
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2", len(got))
	}
	_, first, _, _ := textPart(t, got[0].Data)
	_, second, _, _ := textPart(t, got[1].Data)
	if !strings.Contains(first, "First answer") || !strings.Contains(second, "Second answer") {
		t.Errorf("mails:\n%s\n---\n%s", first, second)
	}
}

// An answer behind more than one page of other new comments is still found.
func TestAnswerBehindAFullPage(t *testing.T) {
	e := newEnv(t)
	e.runAll(t)
	mgr := e.demo.ManagerUserID
	bens := e.demo.Tickets["globex"][0]
	for range vtiger.PageSize + 20 {
		e.comment(t, map[string]string{"related_to": bens, "commentcontent": "noise", "creator": mgr, "assigned_user_id": mgr})
	}
	e.comment(t, map[string]string{"commentcontent": "The answer", "creator": mgr, "assigned_user_id": mgr})
	e.runAll(t)
	got := e.drain(t)
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	if _, text, _, _ := textPart(t, got[0].Data); !strings.Contains(text, "The answer") {
		t.Errorf("mail:\n%s", text)
	}
}
