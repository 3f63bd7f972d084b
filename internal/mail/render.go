package mail

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

//go:embed templates/*
var embedded embed.FS

// Default subjects; config (email.subjects.*) replaces them. They are text
// templates over Data like the bodies.
const (
	DefaultSubjectWelcome        = "Welcome to {{.Company}}"
	DefaultSubjectPasswordReset  = "Password reset"
	DefaultSubjectTicketCreated  = "Ticket {{.TicketNo}} received"
	DefaultSubjectTicketAnswered = "Ticket {{.TicketNo}} was answered"
	DefaultSubjectQuoteDecision  = "Quote {{.QuoteNo}} {{.Decision}} by {{.Customer}}"
)

// templateSet is one mail kind, parsed once at startup.
type templateSet struct {
	name    string
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// spec ties a template name to its config keys.
type spec struct {
	name           string
	overrideKey    string
	overridePath   string
	subjectKey     string
	subject        string
	defaultSubject string
}

func specs(cfg config.Email) []spec {
	return []spec{
		{TemplateWelcome, "email.templates.registrationEmail", cfg.Templates.RegistrationEmail,
			"email.subjects.registrationEmail", cfg.Subjects.RegistrationEmail, DefaultSubjectWelcome},
		{TemplatePasswordReset, "email.templates.restorePasswordEmail", cfg.Templates.RestorePasswordEmail,
			"email.subjects.restorePassword", cfg.Subjects.RestorePassword, DefaultSubjectPasswordReset},
		{TemplateTicketCreated, "email.templates.ticketSuccessful", cfg.Templates.TicketSuccessful,
			"email.subjects.ticketSuccessful", cfg.Subjects.TicketSuccessful, DefaultSubjectTicketCreated},
		{TemplateTicketAnswered, "email.templates.ticketAnswered", cfg.Templates.TicketAnswered,
			"email.subjects.ticketAnswered", cfg.Subjects.TicketAnswered, DefaultSubjectTicketAnswered},
		{TemplateQuoteDecision, "email.templates.quoteDecision", cfg.Templates.QuoteDecision,
			"email.subjects.quoteDecision", cfg.Subjects.QuoteDecision, DefaultSubjectQuoteDecision},
	}
}

// sampleData exercises every field so a template referring to a field that
// does not exist fails at startup instead of at the first real mail.
var sampleData = Data{
	Company: "Example Ltd", FirstName: "Ann", LastName: "Smith", SupportEmail: "support@example.com",
	Link: "https://portal.example.com/auth/reset?token=x", TicketNo: "TT1", TicketTitle: "Printer",
	Comment: "We replaced the fuser.\nPlease try again.", Author: "Mia Manager",
	ValidUntil: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC),
	QuoteNo:    "QUO1", QuoteSubject: "Managed services", Decision: "accepted", Customer: "Ann Smith (Example Customer Ltd)",
}

// loadTemplates parses the embedded templates, or the override files named
// in config. An override is used only when the path names an existing file:
// the earlier backend's values (e.g. "./templates/registration_email.html")
// were names inside the binary, and keeping them in a config must not break
// startup. The override is the HTML part; a sibling file with the extension
// ".txt" (welcome.html → welcome.txt) overrides the plain-text part, else the
// embedded text is used.
func loadTemplates(cfg config.Email, log *slog.Logger) (map[string]*templateSet, error) {
	sets := make(map[string]*templateSet, 4)
	for _, s := range specs(cfg) {
		subjSrc := strings.TrimSpace(s.subject)
		if subjSrc == "" {
			subjSrc = s.defaultSubject
		}
		subj, err := texttemplate.New(s.name + " subject").Option("missingkey=error").Parse(subjSrc)
		if err != nil {
			return nil, fmt.Errorf("mail: %s: %w", s.subjectKey, err)
		}

		htmlSrc, htmlFrom, err := readPart(s, ".html", log)
		if err != nil {
			return nil, err
		}
		textSrc, textFrom, err := readPart(s, ".txt", log)
		if err != nil {
			return nil, err
		}
		html, err := htmltemplate.New(s.name + ".html").Parse(htmlSrc)
		if err != nil {
			return nil, fmt.Errorf("mail: %s (%s): %w", s.overrideKey, htmlFrom, err)
		}
		text, err := texttemplate.New(s.name + ".txt").Parse(textSrc)
		if err != nil {
			return nil, fmt.Errorf("mail: %s (%s): %w", s.overrideKey, textFrom, err)
		}
		set := &templateSet{name: s.name, subject: subj, text: text, html: html}
		if _, _, _, err := set.render(sampleData); err != nil {
			return nil, fmt.Errorf("mail: %s / %s: %w", s.overrideKey, s.subjectKey, err)
		}
		sets[s.name] = set
	}
	return sets, nil
}

// readPart returns the source of one part and where it came from.
func readPart(s spec, ext string, log *slog.Logger) (src, from string, err error) {
	if p := strings.TrimSpace(s.overridePath); p != "" {
		path := p
		if ext == ".txt" {
			path = strings.TrimSuffix(p, filepath.Ext(p)) + ".txt"
		}
		st, statErr := os.Stat(path)
		switch {
		case statErr == nil && st.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return "", "", fmt.Errorf("mail: %s: %w", s.overrideKey, err)
			}
			log.Info("mail: template override", "template", s.name, "part", ext, "path", path)
			return string(b), path, nil
		case ext == ".html":
			// Only the configured path itself deserves a warning; a missing
			// .txt sibling is the normal case.
			log.Warn("mail: template override not found, using the embedded template",
				"key", s.overrideKey, "path", path, "template", s.name)
		}
	}
	name := "templates/" + s.name + ext
	b, err := embedded.ReadFile(name)
	if err != nil {
		return "", "", fmt.Errorf("mail: embedded %s: %w", name, err)
	}
	return string(b), "embedded " + name, nil
}

func (t *templateSet) render(d Data) (subject, text, html string, err error) {
	var sb, tb, hb strings.Builder
	if err := t.subject.Execute(&sb, d); err != nil {
		return "", "", "", fmt.Errorf("subject: %w", err)
	}
	if err := t.text.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("text part: %w", err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("html part: %w", err)
	}
	return strings.TrimSpace(sb.String()), tb.String(), hb.String(), nil
}

// envelope is a composed message ready for SMTP; retries resend the same
// bytes so the Message-ID stays stable and receivers can de-duplicate.
type envelope struct {
	to        string // bare address for RCPT TO
	template  string
	subject   string
	messageID string
	text      string // kept for the disabled mailer's debug log and a Transport
	html      string // kept for a Transport
	raw       []byte
	queuedAt  time.Time
}

func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// compose validates and renders msg into a MIME message. Every value that
// reaches a header is checked for line breaks, so header injection through
// an address, a name or a rendered subject is impossible.
func (m *Mailer) compose(msg Message) (*envelope, error) {
	if hasLineBreak(msg.To) {
		return nil, invalid("recipient contains a line break")
	}
	to, err := netmail.ParseAddress(msg.To)
	if err != nil {
		return nil, invalid("recipient %q: %v", msg.To, err)
	}
	if hasLineBreak(msg.Data.FirstName) || hasLineBreak(msg.Data.LastName) {
		return nil, invalid("recipient name contains a line break")
	}
	set, ok := m.templates[msg.Template]
	if !ok {
		return nil, invalid("unknown template %q", msg.Template)
	}
	subject, text, html, err := set.render(msg.Data)
	if err != nil {
		return nil, fmt.Errorf("mail: render %s: %w", msg.Template, err)
	}
	if hasLineBreak(subject) {
		return nil, invalid("subject contains a line break")
	}

	name := to.Name
	if name == "" {
		name = msg.Data.Name()
	}
	rcpt := &netmail.Address{Name: name, Address: to.Address}
	id, err := m.newMessageID()
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(fold(k, v)) }
	hdr("From", m.from.String())
	hdr("To", rcpt.String())
	if rt := replyTo(msg.Data.SupportEmail); rt != "" {
		hdr("Reply-To", rt)
	}
	hdr("Subject", encodeHeader(subject))
	hdr("Date", m.now().Format(time.RFC1123Z))
	hdr("Message-ID", id)
	hdr("MIME-Version", "1.0")
	// Tells auto-responders not to answer a transactional mail (RFC 3834).
	hdr("Auto-Submitted", "auto-generated")
	mw := multipart.NewWriter(&b)
	hdr("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Plain text first: in multipart/alternative the last part is preferred.
	if err := writeQPPart(mw, "text/plain; charset=utf-8", text); err != nil {
		return nil, err
	}
	if err := writeQPPart(mw, "text/html; charset=utf-8", html); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mail: close multipart: %w", err)
	}
	return &envelope{
		to: to.Address, template: msg.Template, subject: subject, messageID: id,
		text: text, html: html, raw: b.Bytes(), queuedAt: m.now(),
	}, nil
}

func writeQPPart(mw *multipart.Writer, contentType, body string) error {
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {contentType},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return fmt.Errorf("mail: create part: %w", err)
	}
	// Quoted-printable in text mode turns every line break into CRLF and
	// keeps lines under 76 characters, as SMTP requires.
	qp := quotedprintable.NewWriter(pw)
	if _, err := io.WriteString(qp, body); err != nil {
		return fmt.Errorf("mail: write part: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("mail: write part: %w", err)
	}
	return nil
}

// encodeHeader applies RFC 2047 when s is not plain ASCII.
func encodeHeader(s string) string {
	return mime.QEncoding.Encode("utf-8", s)
}

// maxLine is RFC 5322's recommended header line length.
const maxLine = 78

// fold writes one header field, folding at spaces so lines stay within
// maxLine where the value allows it. Encoded words never contain spaces, so
// they are never split. A first word too long for the "Key: " line moves to
// a continuation line.
func fold(key, value string) string {
	var b strings.Builder
	line := key + ":"
	for _, tok := range strings.Split(value, " ") {
		if len(line)+1+len(tok) > maxLine && strings.TrimSpace(line) != "" {
			b.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + tok
	}
	b.WriteString(line + "\r\n")
	return b.String()
}

func replyTo(support string) string {
	if support == "" || hasLineBreak(support) {
		return ""
	}
	a, err := netmail.ParseAddress(support)
	if err != nil {
		return ""
	}
	return a.String()
}

func (m *Mailer) newMessageID() (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("mail: message id: %w", err)
	}
	domain := "localhost"
	if i := strings.LastIndexByte(m.from.Address, '@'); i >= 0 && i+1 < len(m.from.Address) {
		domain = m.from.Address[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}
