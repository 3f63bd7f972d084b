// Package mailtest runs a real SMTP server (go-smtp) in-process for tests
// outside package mail: plain SMTP on a free loopback port, no AUTH, every
// accepted message kept.
package mailtest

import (
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte // the raw message
}

// Server is a running SMTP server.
type Server struct {
	host string
	port int

	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.host = host
	s.port, _ = strconv.Atoi(port)
	return s
}

// SMTP is the configuration that points a mailer at the server.
func (s *Server) SMTP() config.SMTP {
	return config.SMTP{Host: s.host, Port: s.port, Sender: "Portal <portal@example.com>", TLS: "none", Timeout: 10 * time.Second}
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait blocks until n more messages have arrived since the last Wait; the
// timeout only keeps a broken build from hanging.
func (s *Server) Wait(t testing.TB, n int) []Message {
	t.Helper()
	for range n {
		select {
		case <-s.arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("mailtest: timed out waiting for a message; %d arrived", len(s.Messages()))
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
			t.Fatalf("mailtest: no mail to %s arrived", addr)
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
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error   { x.to = append(x.to, to); return nil }
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b})
	x.s.mu.Unlock()
	x.s.arrived <- struct{}{}
	return nil
}
func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
