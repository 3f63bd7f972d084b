package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// captured is one message the test server accepted.
type captured struct {
	From string
	To   []string
	Data []byte
	User string // authenticated user, "" without AUTH
	TLS  bool   // the session was encrypted when DATA arrived
}

// serverOpts shapes the in-process SMTP server.
type serverOpts struct {
	tls        *tls.Config // STARTTLS offered (or implicit TLS when implicit is set)
	implicit   bool
	user, pass string          // AUTH PLAIN required when set
	noAuth     bool            // do not offer AUTH at all
	failFirst  int             // the first N DATA commands answer 451
	always     *smtp.SMTPError // every DATA answers this
	gate       <-chan struct{} // DATA waits for this to close, when set
	dataCalled chan<- struct{} // signalled when DATA starts, when set
}

// testServer is a real go-smtp server on 127.0.0.1:0 that stores what it accepts.
type testServer struct {
	host string
	port int
	opts serverOpts

	mu        sync.Mutex
	msgs      []captured
	dataCalls int
	arrived   chan struct{} // one value per accepted message
}

func startServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	ts := &testServer{opts: o, arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s := &session{ts: ts, conn: c}
		if o.noAuth {
			return noAuthSession{s}, nil
		}
		return s, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = o.tls == nil
	var (
		l   net.Listener
		err error
	)
	if o.implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.tls)
	} else {
		srv.TLSConfig = o.tls
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port, _ := net.SplitHostPort(l.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)
	return ts
}

func (ts *testServer) messages() []captured {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]captured(nil), ts.msgs...)
}

func (ts *testServer) calls() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.dataCalls
}

// wait blocks until n messages have arrived; the timeout only keeps a
// broken build from hanging forever.
func (ts *testServer) wait(t *testing.T, n int) []captured {
	t.Helper()
	for range n {
		select {
		case <-ts.arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("timed out waiting for message; got %d of %d", len(ts.messages()), n)
		}
	}
	return ts.messages()
}

// smtpConfig points the mailer at the server.
func (ts *testServer) smtpConfig(mode string) config.SMTP {
	return config.SMTP{
		Host: ts.host, Port: ts.port, Sender: "Portal <portal@example.com>",
		TLS: mode, Timeout: 10 * time.Second, Username: ts.opts.user, Password: ts.opts.pass,
	}
}

type session struct {
	ts   *testServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.ts.opts.user || password != s.ts.opts.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.opts.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ts.opts.dataCalled != nil {
		s.ts.opts.dataCalled <- struct{}{}
	}
	if s.ts.opts.gate != nil {
		<-s.ts.opts.gate
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	s.ts.dataCalls++
	if s.ts.opts.always != nil {
		return s.ts.opts.always
	}
	if s.ts.dataCalls <= s.ts.opts.failFirst {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.msgs = append(s.ts.msgs, captured{From: s.from, To: s.to, Data: b, User: s.user, TLS: isTLS})
	s.ts.arrived <- struct{}{}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// selfSigned returns a server config with a fresh certificate for 127.0.0.1
// and a client config that trusts exactly that certificate.
func selfSigned(t *testing.T) (server, client *tls.Config) {
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

// syncBuffer collects slog output from the worker goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// noAuthSession hides session's AUTH methods so the server offers no AUTH.
type noAuthSession struct{ s *session }

func (n noAuthSession) Mail(from string, o *smtp.MailOptions) error { return n.s.Mail(from, o) }
func (n noAuthSession) Rcpt(to string, o *smtp.RcptOptions) error   { return n.s.Rcpt(to, o) }
func (n noAuthSession) Data(r io.Reader) error                      { return n.s.Data(r) }
func (n noAuthSession) Reset()                                      { n.s.Reset() }
func (n noAuthSession) Logout() error                               { return nil }
