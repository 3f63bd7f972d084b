package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// permanentError marks failures retrying cannot fix (a misconfigured server,
// a rejected certificate).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// isPermanent reports whether err should not be retried: SMTP 5xx replies
// (bad recipient, authentication failed, message refused) and our own
// permanent errors. Network errors and 4xx replies are transient.
func isPermanent(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 500
	}
	var pe *permanentError
	var cv *tls.CertificateVerificationError
	return errorsAsAny(err, &pe, &cv)
}

// transmit makes one delivery attempt, or logs the message when disabled.
func (m *Mailer) transmit(ctx context.Context, env *envelope) error {
	if m.transport != nil {
		return m.transport.Deliver(ctx, Sent{
			MessageID: env.messageID, From: m.from.String(), To: env.to, Template: env.template,
			Subject: env.subject, Text: env.text, HTML: env.html, Raw: env.raw, QueuedAt: env.queuedAt,
		})
	}
	if m.disabled {
		m.log.InfoContext(ctx, "mail: disabled, message not sent", "to", env.to, "template", env.template,
			"subject", env.subject, "message_id", env.messageID)
		// The body may hold a reset token: only at debug level, for demo mode.
		m.log.DebugContext(ctx, "mail: disabled, message text", "message_id", env.messageID, "text", env.text)
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := m.smtpSend(ctx, env)
	if err != nil && ctx.Err() != nil {
		// The conversation was cut by ctx; say so rather than "i/o timeout".
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// smtpSend runs one SMTP conversation. smtp.timeout bounds the connect (TCP
// and implicit TLS handshake) and, separately, the rest of the conversation;
// ctx cancellation cuts either at once.
func (m *Mailer) smtpSend(ctx context.Context, env *envelope) error {
	addr := net.JoinHostPort(m.host, strconv.Itoa(m.port))
	dialCtx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	nd := &net.Dialer{}
	var (
		conn net.Conn
		err  error
	)
	if m.tlsMode == tlsImplicit {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: m.tlsConfig.Clone()}).DialContext(dialCtx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(dialCtx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(m.timeout)); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	// A deadline in the past makes the blocked read or write return at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	// NewClient sees a *tls.Conn in implicit mode and treats the session as
	// encrypted, which PlainAuth requires.
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(m.helloName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if m.tlsMode == tlsStartTLS {
		// Never fall back to clear text when STARTTLS was asked for.
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &permanentError{fmt.Errorf("server %s does not offer STARTTLS (smtp.tls is starttls)", addr)}
		}
		if err := c.StartTLS(m.tlsConfig.Clone()); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if m.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &permanentError{fmt.Errorf("server %s does not offer AUTH but smtp.username is set", addr)}
		}
		if err := c.Auth(smtp.PlainAuth("", m.username, m.password, m.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(env.to); err != nil {
		return fmt.Errorf("RCPT TO <%s>: %w", env.to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(env.raw); err != nil {
		return fmt.Errorf("DATA write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA end: %w", err)
	}
	// The message is accepted once DATA ends; a failing QUIT must not cause
	// a retry and a duplicate.
	_ = c.Quit()
	return nil
}

// errorsAsAny reports whether err matches any of the targets.
func errorsAsAny(err error, targets ...any) bool {
	for _, t := range targets {
		if errors.As(err, t) {
			return true
		}
	}
	return false
}
