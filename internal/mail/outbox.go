package mail

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Transport receives composed messages in place of an SMTP server.
type Transport interface {
	Deliver(ctx context.Context, msg Sent) error
}

// Sent is one composed message as a Transport receives it.
type Sent struct {
	MessageID string
	From      string
	To        string // bare address
	Template  string
	Subject   string
	Text      string // plain-text part
	HTML      string // HTML part
	Raw       []byte // the whole MIME message as SMTP would carry it
	QueuedAt  time.Time
	SentAt    time.Time // set by the Outbox
}

// Outbox is demo mode's mail transport: it keeps the newest messages in
// memory and logs each one in full, links included, so a developer can
// follow the welcome, reset and ticket mails without an SMTP server.
type Outbox struct {
	log  *slog.Logger
	max  int
	now  func() time.Time
	mu   sync.Mutex
	msgs []Sent // oldest first
}

var _ Transport = (*Outbox)(nil)

// NewOutbox keeps up to max messages (older ones are dropped; max ≤ 0
// means 200).
func NewOutbox(max int, logger *slog.Logger) *Outbox {
	if max <= 0 {
		max = 200
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{log: logger, max: max, now: time.Now}
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+|/(?:auth|app)/[^\s<>"]+`)

// Deliver stores and logs msg; it never fails.
func (o *Outbox) Deliver(ctx context.Context, msg Sent) error {
	msg.SentAt = o.now()
	msg.Raw = slices.Clone(msg.Raw)
	o.mu.Lock()
	o.msgs = append(o.msgs, msg)
	if over := len(o.msgs) - o.max; over > 0 {
		o.msgs = slices.Delete(o.msgs, 0, over)
	}
	o.mu.Unlock()
	o.log.InfoContext(ctx, "demo mail (not sent; listed at GET /demo/mail)", "to", msg.To, "template", msg.Template,
		"subject", msg.Subject, "links", Links(msg.Text), "message_id", msg.MessageID, "text", msg.Text)
	return nil
}

// List returns the kept messages, newest first.
func (o *Outbox) List() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Sent, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

// Links returns the URLs (and site-relative portal links) in a plain-text body.
func Links(text string) []string {
	return linkPattern.FindAllString(text, -1)
}
