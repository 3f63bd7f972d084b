// Package mail sends the portal's e-mails (welcome, password reset, ticket
// created, ticket answered) over SMTP, or hands them to a Transport (demo
// mode's Outbox).
//
// Mail never runs on the request path: services call Enqueue, which renders
// the message (so bad input is reported at once) and puts it on a bounded
// queue; one worker goroutine delivers it with retries and logs every failure
// with the recipient and template, so no message is lost silently. Shutdown
// stops intake and drains the queue within its context.
//
// Templates are embedded (templates/*.html and *.txt, rendered with
// html/template and text/template into a multipart/alternative message) and
// can be replaced per kind by a file path in config (email.templates.*).
// Subjects come from email.subjects.* and are text templates over Data too.
//
// With an empty smtp.host the mailer is disabled: messages are logged, not
// sent, which is what demo mode wants.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// Template names accepted in Message.Template.
const (
	TemplateWelcome       = "welcome"        // after registration
	TemplatePasswordReset = "password_reset" // reset link; Data.Link and Data.ValidUntil
	TemplateTicketCreated = "ticket_created" // Data.TicketNo and Data.TicketTitle
	// TemplateTicketAnswered: a CRM user commented publicly on the
	// customer's ticket; Data.TicketNo, .TicketTitle, .Comment, .Link.
	TemplateTicketAnswered = "ticket_answered"
	// TemplateQuoteDecision goes to the quote's CRM user (not a customer):
	// Data.FirstName/LastName are the user's, .QuoteNo, .QuoteSubject,
	// .Decision ("accepted"/"rejected"), .Customer, .Comment, .Link (the
	// quote in the CRM, when known).
	TemplateQuoteDecision = "quote_decision"
)

// Errors returned by Enqueue and Send; callers log them, they never fail an
// HTTP request because of mail.
var (
	ErrQueueFull      = errors.New("mail: queue full")
	ErrClosed         = errors.New("mail: mailer is shut down")
	ErrInvalidMessage = errors.New("mail: invalid message")
)

// Message is one e-mail to one customer.
type Message struct {
	To       string // recipient address; "Name <addr>" is accepted
	Template string // TemplateWelcome | TemplatePasswordReset | TemplateTicketCreated
	Data     Data
}

// Data is what templates and subjects see. One struct serves all three
// templates so a field name typo fails at startup (templates are test-rendered
// then) rather than producing an empty string in a customer's mail. Callers
// fill the fields their template uses and build links themselves, e.g. the
// reset link is cfg.Domain + "/auth/reset?token=" + url.QueryEscape(token).
type Data struct {
	Company      string    // company name (CRM CompanyDetails)
	FirstName    string    // customer first name
	LastName     string    // customer last name
	SupportEmail string    // shown in the mail and used as Reply-To when valid
	Link         string    // welcome: portal sign-in URL; password_reset: reset URL; ticket_created: ticket URL
	TicketNo     string    // ticket_created, ticket_answered
	TicketTitle  string    // ticket_created, ticket_answered
	Comment      string    // ticket_answered: the comment text (plain text)
	Author       string    // ticket_answered: who answered ("" = not shown)
	ValidUntil   time.Time // password_reset: when the link expires (zero = not shown)
	QuoteNo      string    // quote_decision
	QuoteSubject string    // quote_decision
	Decision     string    // quote_decision: "accepted" or "rejected"
	Customer     string    // quote_decision: who decided (name and organisation)
}

// Name is the customer's full name, or "" when unknown.
func (d Data) Name() string {
	return strings.TrimSpace(d.FirstName + " " + d.LastName)
}

// Option adjusts a Mailer; production code needs none.
type Option func(*Mailer)

// WithTLSConfig sets the TLS client configuration (for example a private CA
// pool). ServerName defaults to smtp.host.
func WithTLSConfig(c *tls.Config) Option {
	return func(m *Mailer) { m.tlsConfig = c.Clone() }
}

// WithRetryBackoff sets the delay before the first retry; it doubles on each
// further retry up to one minute. The default is two seconds.
func WithRetryBackoff(d time.Duration) Option {
	return func(m *Mailer) {
		if d > 0 {
			m.backoff = d
		}
	}
}

// WithTransport delivers every message through t instead of SMTP (demo
// mode's Outbox); smtp.host is then ignored.
func WithTransport(t Transport) Option {
	return func(m *Mailer) { m.transport = t }
}

// TLS modes of smtp.tls.
const (
	tlsNone     = "none"
	tlsStartTLS = "starttls"
	tlsImplicit = "tls"
)

const (
	defaultBackoff = 2 * time.Second
	maxBackoff     = time.Minute
)

// Mailer renders and sends mail. Create with New, run with Start, stop with
// Shutdown. Safe for concurrent use.
type Mailer struct {
	log       *slog.Logger
	templates map[string]*templateSet
	from      *netmail.Address
	disabled  bool

	host, username, password, tlsMode, helloName string
	port                                         int
	timeout, backoff                             time.Duration
	maxRetries                                   int
	tlsConfig                                    *tls.Config
	now                                          func() time.Time
	transport                                    Transport // replaces SMTP when set

	queue chan *envelope

	mu      sync.RWMutex // guards closed and started against Enqueue's send
	closed  bool
	started bool

	stopOnce sync.Once
	stop     chan struct{} // closed by Shutdown: drain and exit
	done     chan struct{} // closed when the worker has exited
	// abortCtx is cancelled when Shutdown's deadline passes; every SMTP
	// conversation and backoff wait watches it.
	abortCtx context.Context
	abort    context.CancelFunc
	// abandoned counts messages given up because the deadline passed:
	// Shutdown fails only when there is one.
	abandoned atomic.Int64
}

// New validates the configuration and parses all templates, so a broken
// override or subject fails startup. It does not connect to the server.
func New(sc config.SMTP, ec config.Email, logger *slog.Logger, opts ...Option) (*Mailer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Mailer{
		log:        logger,
		host:       strings.TrimSpace(sc.Host),
		port:       sc.Port,
		username:   sc.Username,
		password:   sc.Password,
		tlsMode:    strings.ToLower(strings.TrimSpace(sc.TLS)),
		timeout:    sc.Timeout,
		backoff:    defaultBackoff,
		maxRetries: max(ec.MaxRetries, 0),
		now:        time.Now,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	m.disabled = m.host == ""
	for _, o := range opts {
		o(m)
	}
	if err := m.settleConnection(sc); err != nil {
		return nil, err
	}
	size := ec.QueueSize
	m.queue = make(chan *envelope, size)
	m.abortCtx, m.abort = context.WithCancel(context.Background())

	if err := m.setSender(sc); err != nil {
		return nil, err
	}
	if !m.disabled {
		if err := m.checkSMTP(); err != nil {
			return nil, err
		}
	}
	var err error
	m.templates, err = loadTemplates(ec, logger)
	if err != nil {
		return nil, err
	}
	m.logMode(size)
	return m, nil
}

// settleConnection checks the TLS mode; port and timeout come complete
// from config (defaults.go).
func (m *Mailer) settleConnection(sc config.SMTP) error {
	if m.disabled || m.transport != nil {
		return nil // no SMTP connection is ever made
	}
	switch m.tlsMode {
	case tlsNone, tlsStartTLS, tlsImplicit:
	default:
		return fmt.Errorf("mail: smtp.tls %q: want none, starttls or tls", sc.TLS)
	}
	return nil
}

// setSender parses smtp.sender; a mailer that sends nothing over SMTP may
// leave it empty.
func (m *Mailer) setSender(sc config.SMTP) error {
	sender := strings.TrimSpace(sc.Sender)
	if sender == "" && (m.disabled || m.transport != nil) {
		sender = "portal@localhost"
	}
	if hasLineBreak(sender) {
		return errors.New("mail: smtp.sender contains a line break")
	}
	from, err := netmail.ParseAddress(sender)
	if err != nil {
		return fmt.Errorf("mail: smtp.sender %q: %w", sc.Sender, err)
	}
	m.from = from
	return nil
}

// checkSMTP refuses settings that would be unsafe on the wire and prepares
// the TLS configuration and HELO name.
func (m *Mailer) checkSMTP() error {
	if hasLineBreak(m.host) || hasLineBreak(m.username) || hasLineBreak(m.password) {
		return errors.New("mail: smtp settings contain a line break")
	}
	// Refuse to send a password in clear text over the network; a local
	// relay is fine (net/smtp's PlainAuth applies the same rule).
	if m.username != "" && m.tlsMode == tlsNone && !isLocalhost(m.host) {
		return fmt.Errorf("mail: smtp.username is set but smtp.tls is none: credentials would cross the network unencrypted to %s; use starttls or tls", m.host)
	}
	if m.tlsConfig == nil {
		m.tlsConfig = &tls.Config{}
	}
	if m.tlsConfig.ServerName == "" {
		m.tlsConfig.ServerName = m.host
	}
	if m.tlsConfig.MinVersion == 0 {
		m.tlsConfig.MinVersion = tls.VersionTLS12
	}
	m.helloName = "localhost"
	if h, err := os.Hostname(); err == nil && h != "" && !hasLineBreak(h) && !strings.ContainsAny(h, " \t") {
		m.helloName = h
	}
	return nil
}

// logMode says once at start where mails go.
func (m *Mailer) logMode(queueSize int) {
	switch {
	case m.transport != nil:
		m.log.Info("mail: messages go to a local transport, not SMTP", "transport", fmt.Sprintf("%T", m.transport))
	case m.disabled:
		m.log.Info("mail: smtp.host is empty, mailer disabled: e-mails are logged, not sent")
	default:
		m.log.Info("mail: smtp configured", "host", m.host, "port", m.port, "tls", m.tlsMode,
			"auth", m.username != "", "queue_size", queueSize, "max_retries", m.maxRetries)
	}
}

func isLocalhost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Enqueue renders m and queues it for delivery without blocking. Invalid
// messages (bad address, line break in a header value, unknown template)
// return an error wrapping ErrInvalidMessage; a full queue returns
// ErrQueueFull, a stopped mailer ErrClosed. Callers log these errors and go
// on: mail is never a reason to fail an HTTP request. ctx only feeds the
// log; its cancellation (the request ending) does not cancel the delivery.
func (m *Mailer) Enqueue(ctx context.Context, msg Message) error {
	env, err := m.compose(msg)
	if err != nil {
		return err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	select {
	case m.queue <- env:
		m.log.DebugContext(ctx, "mail: queued", "to", env.to, "template", env.template, "message_id", env.messageID)
		return nil
	default:
		return fmt.Errorf("%w (%d pending): %s to %s not queued", ErrQueueFull, cap(m.queue), env.template, env.to)
	}
}

// Send renders and delivers msg now, with a single attempt and no queue; for
// the CLI and tests. A disabled mailer logs the message and returns nil.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	env, err := m.compose(msg)
	if err != nil {
		return err
	}
	if err := m.transmit(ctx, env); err != nil {
		return fmt.Errorf("mail: send %s to %s: %w", env.template, env.to, err)
	}
	return nil
}

// Start runs the delivery worker in a goroutine and returns. Cancelling ctx
// has the same effect as Shutdown without a deadline: intake stops and the
// queue is drained. Calling Start more than once, or after Shutdown, is a
// no-op (Shutdown drains by itself when Start was never called).
func (m *Mailer) Start(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.closed {
		return
	}
	m.started = true
	go m.run(ctx)
}

// Shutdown stops accepting messages and waits until every queued message has
// been delivered or has failed for good. When ctx ends first, in-flight and
// remaining messages are abandoned, each logged at ERROR, and an error
// wrapping ctx's is returned; with nothing to abandon it returns nil.
func (m *Mailer) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	needWorker := !m.started
	m.started = true
	m.mu.Unlock()
	m.stopOnce.Do(func() { close(m.stop) })
	if ctx.Err() != nil {
		// No time at all: do not let a just-started worker slip one more
		// conversation in before the abort below.
		m.abort()
	}
	if needWorker {
		go m.run(context.Background())
	}
	select {
	case <-m.done:
	case <-ctx.Done():
		m.abort()
		<-m.done // quick now: every send and wait watches abortCtx
	}
	// A passed deadline matters only when it cost a message: an idle
	// mailer stopped late has lost nothing.
	if n := m.abandoned.Load(); n > 0 {
		return fmt.Errorf("mail: shutdown: %d message(s) abandoned: %w", n, context.Cause(ctx))
	}
	return nil
}

func (m *Mailer) run(ctx context.Context) {
	defer close(m.done)
	for {
		select {
		case env := <-m.queue:
			m.deliver(env)
		case <-m.stop:
			m.drain()
			return
		case <-ctx.Done():
			m.mu.Lock()
			m.closed = true
			m.mu.Unlock()
			m.drain()
			return
		}
	}
}

// drain delivers what is left. It runs only after closed is set under the
// write lock, so no Enqueue can add to the queue any more and an empty
// queue means done.
func (m *Mailer) drain() {
	for {
		select {
		case env := <-m.queue:
			m.deliver(env)
		default:
			return
		}
	}
}

// deliver tries env up to 1+maxRetries times with exponential backoff.
// Permanent SMTP failures (5xx) are not retried. Every failed attempt is
// logged; the final failure is logged at ERROR with the message metadata.
func (m *Mailer) deliver(env *envelope) {
	ctx := m.abortCtx
	wait := m.backoff
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			m.logLost(env, attempt-1, fmt.Errorf("shutdown deadline passed before delivery: %w", err))
			return
		}
		err := m.transmit(ctx, env)
		if err == nil {
			if !m.disabled {
				m.log.Info("mail: sent", "to", env.to, "template", env.template,
					"message_id", env.messageID, "attempts", attempt)
			}
			return
		}
		if isPermanent(err) || attempt > m.maxRetries || ctx.Err() != nil {
			m.logLost(env, attempt, err)
			return
		}
		m.log.Warn("mail: delivery failed, will retry", "to", env.to, "template", env.template,
			"message_id", env.messageID, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		wait = min(wait*2, maxBackoff)
	}
}

func (m *Mailer) logLost(env *envelope, attempts int, err error) {
	if m.abortCtx.Err() != nil {
		m.abandoned.Add(1)
	}
	m.log.Error("mail: message NOT delivered", "to", env.to, "template", env.template,
		"subject", env.subject, "message_id", env.messageID, "from", m.from.Address,
		"queued_at", env.queuedAt, "attempts", attempts, "permanent", isPermanent(err), "err", err)
}
