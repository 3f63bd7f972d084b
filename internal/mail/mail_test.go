package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/smtptest"
)

// parsed is a received message split into what the tests look at.
type parsed struct {
	Header netmail.Header
	Text   string
	HTML   string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsed{Header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		// multipart.Reader decodes quoted-printable and then drops the
		// header, so its absence proves the part was encoded that way.
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "" {
			t.Errorf("part transfer encoding %q was not decoded as quoted-printable", cte)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct := part.Header.Get("Content-Type")
		types = append(types, ct)
		switch ct {
		case "text/plain; charset=utf-8":
			p.Text = string(body)
		case "text/html; charset=utf-8":
			p.HTML = string(body)
		}
	}
	if len(types) != 2 || p.Text == "" || p.HTML == "" {
		t.Fatalf("parts = %q, want text/plain and text/html", types)
	}
	return p
}

func decodeSubject(t *testing.T, h netmail.Header) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject %q: %v", h.Get("Subject"), err)
	}
	return s
}

// newMailer builds a mailer from sc and ec completed by withDefaults.
func newMailer(t *testing.T, sc config.SMTP, ec config.Email, opts ...Option) (*Mailer, *syncBuffer) {
	t.Helper()
	sc, ec = withDefaults(sc, ec)
	logger, buf := newLogger()
	m, err := New(sc, ec, logger, append([]Option{WithRetryBackoff(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, buf
}

// withDefaults fills what a test leaves zero from the config defaults:
// New itself takes complete config, as the loader gives it.
func withDefaults(sc config.SMTP, ec config.Email) (config.SMTP, config.Email) {
	d := config.Default()
	if sc.TLS == "" {
		sc.TLS = d.SMTP.TLS
	}
	if sc.Port == 0 {
		sc.Port = d.SMTP.Port
	}
	if sc.Timeout == 0 {
		sc.Timeout = d.SMTP.Timeout
	}
	if ec.QueueSize == 0 {
		ec.QueueSize = d.Email.QueueSize
	}
	return sc, ec
}

var customer = Data{
	Company: "Acme Ltd", FirstName: "Ann", LastName: "Smith", SupportEmail: "help@acme.test",
}

func TestTemplatesArriveWithHeadersAndBothParts(t *testing.T) {
	srv := smtptest.Start(t)
	m, _ := newMailer(t, srv.SMTP("none"), config.Email{})
	until := time.Date(2031, 5, 6, 7, 8, 0, 0, time.UTC)

	tests := []struct {
		template    string
		data        func(Data) Data
		subject     string
		textHas     []string
		htmlHas     []string
		htmlMissing []string
	}{
		{
			template: TemplateWelcome,
			data:     func(d Data) Data { d.Link = "https://portal.acme.test/auth/login"; return d },
			subject:  "Welcome to Acme Ltd",
			textHas:  []string{"Hello Ann Smith,", "Acme Ltd", "https://portal.acme.test/auth/login", "help@acme.test"},
			htmlHas:  []string{`href="https://portal.acme.test/auth/login"`, "<strong>Acme Ltd</strong>", "mailto:help@acme.test"},
		},
		{
			template: TemplatePasswordReset,
			data: func(d Data) Data {
				d.Link = "https://portal.acme.test/auth/reset?token=abc123"
				d.ValidUntil = until
				return d
			},
			subject: "Password reset",
			textHas: []string{"https://portal.acme.test/auth/reset?token=abc123", "2031-05-06 07:08 UTC", "help@acme.test"},
			htmlHas: []string{`href="https://portal.acme.test/auth/reset?token=abc123"`, "2031-05-06 07:08 UTC"},
		},
		{
			template: TemplateTicketCreated,
			data: func(d Data) Data {
				d.TicketNo, d.TicketTitle = "TT42", `Printer <script>alert(1)</script> & "jam"`
				return d
			},
			subject:     "Ticket TT42 received",
			textHas:     []string{"TT42", `Printer <script>alert(1)</script> & "jam"`},
			htmlHas:     []string{"TT42", "Printer &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;jam&#34;"},
			htmlMissing: []string{"<script>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			before := len(srv.Messages())
			err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: tt.template, Data: tt.data(customer)})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("server has %d messages, want %d", len(msgs), before+1)
			}
			got := msgs[len(msgs)-1]
			if got.From != "portal@example.com" || len(got.To) != 1 || got.To[0] != "ann@customer.test" {
				t.Errorf("envelope from %q to %q", got.From, got.To)
			}
			p := parse(t, got.Data)
			h := p.Header
			if h.Get("From") != `"Portal" <portal@example.com>` {
				t.Errorf("From = %q", h.Get("From"))
			}
			if h.Get("To") != `"Ann Smith" <ann@customer.test>` {
				t.Errorf("To = %q", h.Get("To"))
			}
			if h.Get("Reply-To") != "<help@acme.test>" {
				t.Errorf("Reply-To = %q", h.Get("Reply-To"))
			}
			if s := decodeSubject(t, h); s != tt.subject {
				t.Errorf("Subject = %q, want %q", s, tt.subject)
			}
			if h.Get("MIME-Version") != "1.0" {
				t.Errorf("MIME-Version = %q", h.Get("MIME-Version"))
			}
			if _, err := h.Date(); err != nil {
				t.Errorf("Date %q: %v", h.Get("Date"), err)
			}
			if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(h.Get("Message-Id")) {
				t.Errorf("Message-ID = %q", h.Get("Message-Id"))
			}
			for _, s := range tt.textHas {
				if !strings.Contains(p.Text, s) {
					t.Errorf("text part lacks %q:\n%s", s, p.Text)
				}
			}
			for _, s := range tt.htmlHas {
				if !strings.Contains(p.HTML, s) {
					t.Errorf("html part lacks %q:\n%s", s, p.HTML)
				}
			}
			for _, s := range tt.htmlMissing {
				if strings.Contains(p.HTML, s) {
					t.Errorf("html part contains %q", s)
				}
			}
		})
	}
}

func TestComposeWireFormat(t *testing.T) {
	m, _ := newMailer(t, config.SMTP{}, config.Email{Subjects: config.EmailSubjects{
		TicketSuccessful: "Заявка {{.TicketNo}} принята — {{.Company}} {{.TicketTitle}}",
	}})
	d := customer
	d.FirstName, d.TicketNo = "Анна", "TT7"
	d.TicketTitle = strings.Repeat("очень длинная тема ", 8)
	env, err := m.compose(Message{To: "anna@customer.test", Template: TemplateTicketCreated, Data: d})
	if err != nil {
		t.Fatal(err)
	}
	raw := string(env.raw)
	if i := strings.Index(strings.ReplaceAll(raw, "\r\n", ""), "\n"); i >= 0 {
		t.Errorf("bare LF at %d", i)
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\r") {
		t.Error("bare CR in message")
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
		for _, r := range line {
			if r > 127 {
				t.Fatalf("non-ASCII byte on the wire: %q", line)
			}
		}
	}
	if !regexp.MustCompile(`\r\nSubject:(\r\n)? =\?utf-8\?q\?`).MatchString(raw) {
		t.Errorf("subject not RFC 2047 encoded:\n%s", raw)
	}
	if !strings.Contains(raw, "Content-Transfer-Encoding: quoted-printable") {
		t.Error("parts not quoted-printable")
	}
	p := parse(t, env.raw)
	want := "Заявка TT7 принята — Acme Ltd " + strings.TrimSpace(d.TicketTitle)
	if s := decodeSubject(t, p.Header); s != want {
		t.Errorf("subject = %q, want %q", s, want)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Анна Smith" || to[0].Address != "anna@customer.test" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if !strings.Contains(p.Text, "Hello Анна Smith,") {
		t.Errorf("text part: %s", p.Text)
	}
}

func TestSubjectOverrideFromConfig(t *testing.T) {
	srv := smtptest.Start(t)
	m, _ := newMailer(t, srv.SMTP("none"), config.Email{Subjects: config.EmailSubjects{
		RegistrationEmail: "Hi {{.FirstName}}, your {{.Company}} account is ready",
		RestorePassword:   "Восстановление пароля",
	}})
	tests := []struct{ template, want string }{
		{TemplateWelcome, "Hi Ann, your Acme Ltd account is ready"},
		{TemplatePasswordReset, "Восстановление пароля"},
		{TemplateTicketCreated, "Ticket  received"}, // default kept; no ticket number given
	}
	for _, tt := range tests {
		d := customer
		d.Link = "https://x.test/auth/reset?token=t"
		if err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: tt.template, Data: d}); err != nil {
			t.Fatalf("%s: %v", tt.template, err)
		}
		msgs := srv.Messages()
		if s := decodeSubject(t, parse(t, msgs[len(msgs)-1].Data).Header); s != tt.want {
			t.Errorf("%s: subject %q, want %q", tt.template, s, tt.want)
		}
	}
}

func TestTemplateOverrideByPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	welcomeHTML := write("welcome.html", `<p>Custom hello {{.FirstName}} from {{.Company}}</p>`)
	write("welcome.txt", `Custom text hello {{.FirstName}}`)
	ticketHTML := write("ticket.html", `<p>Custom ticket {{.TicketNo}}</p>`) // no ticket.txt sibling

	srv := smtptest.Start(t)
	m, logs := newMailer(t, srv.SMTP("none"), config.Email{Templates: config.EmailTemplates{
		RegistrationEmail:    welcomeHTML,
		TicketSuccessful:     ticketHTML,
		RestorePasswordEmail: "./templates/restore_password_email.html", // earlier-backend style value: not a file here
	}})
	if !strings.Contains(logs.String(), "template override not found") || !strings.Contains(logs.String(), "restorePasswordEmail") {
		t.Errorf("missing override path not logged:\n%s", logs)
	}

	send := func(tpl string, d Data) parsed {
		t.Helper()
		if err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: tpl, Data: d}); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		return parse(t, msgs[len(msgs)-1].Data)
	}
	p := send(TemplateWelcome, customer)
	if p.HTML != "<p>Custom hello Ann from Acme Ltd</p>" || p.Text != "Custom text hello Ann" {
		t.Errorf("welcome override not used: html %q text %q", p.HTML, p.Text)
	}
	d := customer
	d.TicketNo = "TT9"
	p = send(TemplateTicketCreated, d)
	if p.HTML != "<p>Custom ticket TT9</p>" || !strings.Contains(p.Text, "thank you for contacting Acme Ltd") {
		t.Errorf("ticket: html %q, text %q (want override html and embedded text)", p.HTML, p.Text)
	}
	d.Link = "https://x.test/auth/reset?token=t"
	p = send(TemplatePasswordReset, d)
	if !strings.Contains(p.HTML, "Reset password") {
		t.Errorf("password_reset did not fall back to the embedded template: %q", p.HTML)
	}

	broken := []struct{ name, file, body string }{
		{"syntax error", "bad1.html", `<p>{{.FirstName</p>`},
		{"unknown field", "bad2.html", `<p>{{.Nickname}}</p>`},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			path := write(b.file, b.body)
			_, err := New(config.SMTP{}, config.Email{Templates: config.EmailTemplates{RegistrationEmail: path}}, nil)
			if err == nil || !strings.Contains(err.Error(), "email.templates.registrationEmail") {
				t.Errorf("New = %v, want an error naming the key", err)
			}
		})
	}
	_, err := New(config.SMTP{}, config.Email{Subjects: config.EmailSubjects{TicketSuccessful: "{{.NoSuchField}}"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "email.subjects.ticketSuccessful") {
		t.Errorf("broken subject: New = %v", err)
	}
}

func TestTLSModesAndAuth(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSignedTLS(t)
	tests := []struct {
		name     string
		opts     smtptest.Options
		mode     string
		wantTLS  bool
		wantUser string
	}{
		{"starttls with auth", smtptest.Options{TLS: serverTLS, User: "portal", Password: "s3cret"}, "starttls", true, "portal"},
		{"implicit tls with auth", smtptest.Options{TLS: serverTLS, ImplicitTLS: true, User: "portal", Password: "s3cret"}, "tls", true, "portal"},
		{"implicit tls without auth", smtptest.Options{TLS: serverTLS, ImplicitTLS: true}, "tls", true, ""},
		{"plain localhost with auth", smtptest.Options{User: "portal", Password: "s3cret"}, "none", false, "portal"},
		{"none ignores offered starttls", smtptest.Options{TLS: serverTLS}, "none", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.StartWith(t, tt.opts)
			m, _ := newMailer(t, srv.SMTP(tt.mode), config.Email{}, WithTLSConfig(clientTLS))
			if err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("got %d messages", len(msgs))
			}
			if msgs[0].TLS != tt.wantTLS || msgs[0].User != tt.wantUser {
				t.Errorf("tls=%v user=%q, want tls=%v user=%q", msgs[0].TLS, msgs[0].User, tt.wantTLS, tt.wantUser)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSignedTLS(t)
	tests := []struct {
		name      string
		opts      smtptest.Options
		mode      string
		tweak     func(*config.SMTP)
		clientTLS bool
		errHas    string
		permanent bool
	}{
		{"wrong password", smtptest.Options{TLS: serverTLS, User: "portal", Password: "s3cret"}, "starttls",
			func(c *config.SMTP) { c.Password = "wrong" }, true, "535", true},
		{"starttls not offered", smtptest.Options{}, "starttls", nil, true, "does not offer STARTTLS", true},
		{"untrusted certificate", smtptest.Options{TLS: serverTLS}, "starttls", nil, false, "certificate", true},
		{"auth not offered", smtptest.Options{TLS: serverTLS, ImplicitTLS: true, NoAuth: true}, "tls",
			func(c *config.SMTP) { c.Username, c.Password = "portal", "x" }, true, "does not offer AUTH", true},
		{"temporary rejection", smtptest.Options{FailFirst: 1}, "none", nil, true, "451", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.StartWith(t, tt.opts)
			sc := srv.SMTP(tt.mode)
			if tt.tweak != nil {
				tt.tweak(&sc)
			}
			var opts []Option
			if tt.clientTLS {
				opts = append(opts, WithTLSConfig(clientTLS))
			}
			m, _ := newMailer(t, sc, config.Email{}, opts...)
			err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("Send = %v, want error containing %q", err, tt.errHas)
			}
			if isPermanent(err) != tt.permanent {
				t.Errorf("isPermanent = %v, want %v", isPermanent(err), tt.permanent)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server stored %d messages", n)
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name   string
		sc     config.SMTP
		errHas string // "" = must succeed
	}{
		{"disabled", config.SMTP{}, ""},
		{"plain auth to remote host", config.SMTP{Host: "smtp.example.com", TLS: "none", Username: "u", Sender: "p@example.com"}, "unencrypted"},
		{"plain auth to localhost", config.SMTP{Host: "127.0.0.1", TLS: "none", Username: "u", Sender: "p@example.com"}, ""},
		{"starttls auth to remote host", config.SMTP{Host: "smtp.example.com", Username: "u", Sender: "p@example.com"}, ""},
		{"bad tls mode", config.SMTP{Host: "smtp.example.com", TLS: "ssl3", Sender: "p@example.com"}, "smtp.tls"},
		{"missing sender", config.SMTP{Host: "smtp.example.com"}, "smtp.sender"},
		{"sender with line break", config.SMTP{Host: "smtp.example.com", Sender: "p@example.com\r\nBcc: x@evil.test"}, "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, ec := withDefaults(tt.sc, config.Email{})
			_, err := New(sc, ec, nil)
			switch {
			case tt.errHas == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Errorf("New = %v, want error containing %q", err, tt.errHas)
			}
		})
	}
}

func TestHeaderInjectionRejected(t *testing.T) {
	m, _ := newMailer(t, config.SMTP{}, config.Email{Subjects: config.EmailSubjects{
		TicketSuccessful: "Ticket {{.TicketNo}}: {{.TicketTitle}}",
	}})
	tests := []struct {
		name string
		msg  Message
	}{
		{"CRLF in recipient", Message{To: "ann@customer.test\r\nBcc: all@evil.test", Template: TemplateWelcome, Data: customer}},
		{"LF in recipient", Message{To: "ann@customer.test\nBcc: all@evil.test", Template: TemplateWelcome, Data: customer}},
		{"CRLF in name", Message{To: "ann@customer.test", Template: TemplateWelcome,
			Data: func() Data { d := customer; d.LastName = "Smith\r\nBcc: all@evil.test"; return d }()}},
		{"CRLF in rendered subject", Message{To: "ann@customer.test", Template: TemplateTicketCreated,
			Data: func() Data { d := customer; d.TicketTitle = "x\r\nBcc: all@evil.test"; return d }()}},
		{"two recipients", Message{To: "a@customer.test, b@customer.test", Template: TemplateWelcome, Data: customer}},
		{"not an address", Message{To: "nobody", Template: TemplateWelcome, Data: customer}},
		{"unknown template", Message{To: "ann@customer.test", Template: "invoice", Data: customer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.Enqueue(context.Background(), tt.msg); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Enqueue = %v, want ErrInvalidMessage", err)
			}
			if err := m.Send(context.Background(), tt.msg); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Send = %v, want ErrInvalidMessage", err)
			}
		})
	}
	if n := len(m.queue); n != 0 {
		t.Errorf("%d rejected messages were queued", n)
	}
}

func TestRetryThenDeliveredOnce(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{FailFirst: 2})
	m, logs := newMailer(t, srv.SMTP("none"), config.Email{MaxRetries: 3})
	m.Start(context.Background())
	if err := m.Enqueue(context.Background(), Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 1)
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("delivered %d times, want once", n)
	}
	if n := srv.Calls(); n != 3 {
		t.Errorf("DATA attempts = %d, want 3", n)
	}
	out := logs.String()
	if c := strings.Count(out, "will retry"); c != 2 {
		t.Errorf("logged %d retry warnings, want 2:\n%s", c, out)
	}
	if !strings.Contains(out, "msg=\"mail: sent\"") || !strings.Contains(out, "attempts=3") {
		t.Errorf("success not logged with attempts:\n%s", out)
	}
}

func TestPermanentFailureLoggedAndNotBlocking(t *testing.T) {
	tests := []struct {
		name         string
		reply        *smtp.SMTPError
		maxRetries   int
		wantAttempts int
	}{
		{"5xx is not retried", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, 3, 1},
		{"4xx until retries run out", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy"}, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := make(chan struct{})
			started := make(chan struct{}, 10)
			srv := smtptest.StartWith(t, smtptest.Options{DataError: tt.reply, Gate: gate, DataCalled: started})
			m, logs := newMailer(t, srv.SMTP("none"), config.Email{MaxRetries: tt.maxRetries})
			m.Start(context.Background())
			msg := Message{To: "ann@customer.test", Template: TemplatePasswordReset, Data: customer}
			if err := m.Enqueue(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			<-started // the worker is now stuck inside DATA on the server
			// A second Enqueue returns while the first delivery hangs: the
			// caller never waits for SMTP.
			if err := m.Enqueue(context.Background(), msg); err != nil {
				t.Fatalf("Enqueue while delivering: %v", err)
			}
			close(gate)
			if err := m.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := srv.Calls(); n != 2*tt.wantAttempts {
				t.Errorf("DATA attempts = %d, want %d", n, 2*tt.wantAttempts)
			}
			out := logs.String()
			errLines := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "level=ERROR") {
					errLines++
					for _, want := range []string{"to=ann@customer.test", "template=password_reset", "subject=",
						"message_id=", "attempts=" + strconv.Itoa(tt.wantAttempts), strconv.Itoa(tt.reply.Code)} {
						if !strings.Contains(line, want) {
							t.Errorf("ERROR line lacks %q: %s", want, line)
						}
					}
				}
			}
			if errLines != 2 {
				t.Errorf("%d ERROR lines, want 2:\n%s", errLines, out)
			}
		})
	}
}

func TestQueueFullThenShutdownDrains(t *testing.T) {
	srv := smtptest.Start(t)
	m, _ := newMailer(t, srv.SMTP("none"), config.Email{QueueSize: 2})
	msg := Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}
	for i := range 2 {
		if err := m.Enqueue(context.Background(), msg); err != nil {
			t.Fatalf("Enqueue %d: %v", i, err)
		}
	}
	if err := m.Enqueue(context.Background(), msg); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third Enqueue = %v, want ErrQueueFull", err)
	}
	if n := srv.Calls(); n != 0 {
		t.Fatalf("sent %d before Start/Shutdown", n)
	}
	// Start was never called: Shutdown delivers the queue itself.
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("delivered %d, want 2", n)
	}
	if err := m.Enqueue(context.Background(), msg); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Shutdown = %v, want ErrClosed", err)
	}
}

func TestShutdownDrainsRunningWorker(t *testing.T) {
	gate := make(chan struct{})
	srv := smtptest.StartWith(t, smtptest.Options{Gate: gate})
	m, _ := newMailer(t, srv.SMTP("none"), config.Email{})
	m.Start(context.Background())
	for i := range 5 {
		d := customer
		d.TicketNo = "TT" + strconv.Itoa(i)
		if err := m.Enqueue(context.Background(), Message{To: "ann@customer.test", Template: TemplateTicketCreated, Data: d}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- m.Shutdown(context.Background()) }()
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 5 {
		t.Fatalf("delivered %d, want 5", len(msgs))
	}
	seen := map[string]bool{}
	for _, c := range msgs {
		seen[decodeSubject(t, parse(t, c.Data).Header)] = true
	}
	for i := range 5 {
		if s := "Ticket TT" + strconv.Itoa(i) + " received"; !seen[s] {
			t.Errorf("missing %q", s)
		}
	}
}

func TestStartContextCancelDrains(t *testing.T) {
	srv := smtptest.Start(t)
	m, _ := newMailer(t, srv.SMTP("none"), config.Email{})
	msg := Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}
	for range 3 {
		if err := m.Enqueue(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.Start(ctx)
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("delivered %d, want 3", n)
	}
}

func TestShutdownDeadlineLogsAbandoned(t *testing.T) {
	srv := smtptest.Start(t)
	m, logs := newMailer(t, srv.SMTP("none"), config.Email{})
	msg := Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}
	for range 2 {
		if err := m.Enqueue(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	if n := srv.Calls(); n != 0 {
		t.Errorf("%d deliveries after the deadline", n)
	}
	if c := strings.Count(logs.String(), "level=ERROR"); c != 2 {
		t.Errorf("%d ERROR lines, want one per abandoned message:\n%s", c, logs)
	}
}

// A shutdown that starts after its deadline (other parts of Close took the
// time) has lost nothing when the queue is empty, and must not say so.
func TestShutdownPastDeadlineWithEmptyQueue(t *testing.T) {
	srv := smtptest.Start(t)
	m, logs := newMailer(t, srv.SMTP("none"), config.Email{})
	m.Start(context.Background())
	if err := m.Enqueue(context.Background(), Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}); err != nil {
		t.Fatal(err)
	}
	// Idle means the worker is done with the message, not merely that the
	// server has stored it: until the client has read the server's reply
	// to DATA the delivery is still in flight, and cutting it there does
	// lose it from the mailer's point of view.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), `msg="mail: sent"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the queued message was never delivered:\n%s", logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the server stored %d messages, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown of an idle mailer past its deadline = %v, want nil", err)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("an idle shutdown logged an error:\n%s", logs)
	}
}

func TestDisabledMailerLogs(t *testing.T) {
	m, logs := newMailer(t, config.SMTP{}, config.Email{})
	if !strings.Contains(logs.String(), "mailer disabled") {
		t.Errorf("startup does not say the mailer is disabled:\n%s", logs)
	}
	d := customer
	d.Link = "http://127.0.0.1/auth/reset?token=demo"
	if err := m.Enqueue(context.Background(), Message{To: "ann@customer.test", Template: TemplatePasswordReset, Data: d}); err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"level=INFO msg=\"mail: disabled, message not sent\"", "to=ann@customer.test", "template=password_reset", "token=demo"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if err := m.Send(context.Background(), Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}); err != nil {
		t.Errorf("Send on a disabled mailer: %v", err)
	}
}

func TestShutdownDeadlineCutsInFlightDelivery(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan struct{}, 10)
	srv := smtptest.StartWith(t, smtptest.Options{Gate: gate, DataCalled: started})
	t.Cleanup(func() { close(gate) }) // runs before the server closes
	m, logs := newMailer(t, srv.SMTP("none"), config.Email{MaxRetries: 3})
	m.Start(context.Background())
	msg := Message{To: "ann@customer.test", Template: TemplateWelcome, Data: customer}
	for range 2 {
		if err := m.Enqueue(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	<-started // first message hangs in DATA
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	out := logs.String()
	if c := strings.Count(out, "level=ERROR"); c != 2 {
		t.Errorf("%d ERROR lines, want 2:\n%s", c, out)
	}
	if strings.Contains(out, "will retry") {
		t.Errorf("retried after the shutdown deadline:\n%s", out)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("stored %d messages", n)
	}
}
