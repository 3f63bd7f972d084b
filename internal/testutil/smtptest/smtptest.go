// Package smtptest is the one SMTP server the tests run: a real go-smtp
// server in-process on a free loopback port that keeps every message it
// accepts. Tests outside package mail point a mailer at it with Start;
// package mail's own tests shape it with StartWith (STARTTLS or implicit
// TLS, AUTH PLAIN or none, temporary or permanent rejections, a DATA that
// waits) so that the mailer's real TLS, auth and retry paths are exercised.
// It lives here, with the other harnesses, rather than in internal/mail so
// that there is one of it and package mail's tests can import it.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte // the raw message
	User string // authenticated user, "" without AUTH
	TLS  bool   // the session was encrypted when DATA arrived
}

// Options shape the server; the zero value is plain SMTP that offers AUTH
// PLAIN without requiring it and accepts every message.
type Options struct {
	TLS            *tls.Config     // STARTTLS offered (implicit TLS with ImplicitTLS)
	ImplicitTLS    bool            // the listener speaks TLS from the first byte; needs TLS
	User, Password string          // AUTH PLAIN with these required before MAIL, when User is set
	NoAuth         bool            // do not offer AUTH at all
	FailFirst      int             // the first N DATA commands answer 451
	DataError      *smtp.SMTPError // every DATA answers this, when set
	Gate           <-chan struct{} // DATA waits for this to close, when set
	DataCalled     chan<- struct{} // signalled when DATA starts, when set
}

// Server is a running SMTP server.
type Server struct {
	host string
	port int
	opts Options

	mu        sync.Mutex
	msgs      []Message
	dataCalls int
	arrived   chan struct{} // one value per accepted message
}

// Start runs a server with the zero Options until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs a server shaped by o until the test ends.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o, arrived: make(chan struct{}, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		x := &session{s: s, conn: c}
		if o.NoAuth {
			return noAuthSession{x}, nil
		}
		return x, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = o.TLS == nil
	var (
		l   net.Listener
		err error
	)
	if o.ImplicitTLS {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.TLS)
	} else {
		srv.TLSConfig = o.TLS
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.host = host
	s.port, _ = strconv.Atoi(port)
	return s
}

// SMTP is the configuration that points a mailer at the server with the
// given smtp.tls mode ("none", "starttls", "tls") and the Options' user
// and password.
func (s *Server) SMTP(tlsMode string) config.SMTP {
	return config.SMTP{
		Host: s.host, Port: s.port, Sender: "Portal <portal@example.com>",
		TLS: tlsMode, Timeout: 10 * time.Second, Username: s.opts.User, Password: s.opts.Password,
	}
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Calls is how many DATA commands got past the gate, accepted or not.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataCalls
}

// Wait blocks until n more messages have arrived since the last Wait; the
// timeout only keeps a broken build from hanging.
func (s *Server) Wait(t testing.TB, n int) []Message {
	t.Helper()
	for range n {
		select {
		case <-s.arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("smtptest: timed out waiting for a message; %d arrived", len(s.Messages()))
		}
	}
	return s.Messages()
}

// Take blocks until a message to addr (case-insensitive) has arrived,
// removes it from the kept messages and returns its raw data. It consumes
// arrivals, so a test uses either Take or Wait.
func (s *Server) Take(t testing.TB, addr string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m, ok := s.take(addr); ok {
			return string(m.Data)
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("smtptest: no mail to %s arrived", addr)
		}
	}
}

func (s *Server) take(addr string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.msgs {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				s.msgs = append(s.msgs[:i], s.msgs[i+1:]...)
				return m, true
			}
		}
	}
	return Message{}, false
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != x.s.opts.User || password != x.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.User != "" && x.user == "" {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	o := x.s.opts
	if o.DataCalled != nil {
		o.DataCalled <- struct{}{}
	}
	if o.Gate != nil {
		<-o.Gate
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.dataCalls++
	if o.DataError != nil {
		return o.DataError
	}
	if x.s.dataCalls <= o.FailFirst {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, isTLS := x.conn.TLSConnectionState()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b, User: x.user, TLS: isTLS})
	x.s.arrived <- struct{}{}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// noAuthSession hides session's AUTH methods so the server offers no AUTH.
type noAuthSession struct{ x *session }

func (n noAuthSession) Mail(from string, o *smtp.MailOptions) error { return n.x.Mail(from, o) }
func (n noAuthSession) Rcpt(to string, o *smtp.RcptOptions) error   { return n.x.Rcpt(to, o) }
func (n noAuthSession) Data(r io.Reader) error                      { return n.x.Data(r) }
func (n noAuthSession) Reset()                                      { n.x.Reset() }
func (n noAuthSession) Logout() error                               { return nil }

// SelfSignedTLS returns a server config with a fresh certificate for
// 127.0.0.1 and localhost, for Options.TLS, and a client config that
// trusts exactly that certificate.
func SelfSignedTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}
