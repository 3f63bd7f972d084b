package vtiger

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
)

// session is one pool slot. A borrowed slot belongs to exactly one call, so
// its fields need no lock.
type session struct {
	name   string // sessionName; "" until logged in
	userID string // e.g. "19x1"
	gen    uint64 // bumped by every login, see Client.login
}

// pool hands out slots. The semaphore bounds concurrent calls at PoolSize;
// the idle stack is LIFO with logged-in slots on top so light traffic keeps
// reusing one session instead of logging in PoolSize times.
type pool struct {
	sem    chan struct{}
	mu     sync.Mutex
	idle   []*session
	closed chan struct{}
	once   sync.Once
}

func newPool(n int) *pool {
	p := &pool{sem: make(chan struct{}, n), closed: make(chan struct{})}
	for range n {
		p.idle = append(p.idle, &session{})
	}
	return p
}

func (p *pool) borrow(ctx context.Context, op string) (*session, error) {
	select {
	case <-p.closed:
		return nil, fmt.Errorf("vtiger %s: %w", op, ErrClosed)
	default:
	}
	select {
	case p.sem <- struct{}{}:
	case <-p.closed:
		return nil, fmt.Errorf("vtiger %s: %w", op, ErrClosed)
	case <-ctx.Done():
		return nil, ctxError(op, ctx.Err(), "waiting for a free session")
	}
	select {
	case <-p.closed:
		<-p.sem
		return nil, fmt.Errorf("vtiger %s: %w", op, ErrClosed)
	default:
	}
	p.mu.Lock()
	s := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	p.mu.Unlock()
	return s, nil
}

func (p *pool) release(s *session) {
	p.mu.Lock()
	if s.name != "" {
		p.idle = append(p.idle, s)
	} else {
		p.idle = append([]*session{s}, p.idle...)
	}
	p.mu.Unlock()
	<-p.sem
}

// ctxError maps a context error to ErrTimeout (deadline) or context.Canceled.
func ctxError(op string, err error, detail string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &transportError{op: op, kind: ErrTimeout, cause: err, detail: detail}
	}
	return &transportError{op: op, kind: context.Canceled, detail: detail}
}

// login (re-)establishes s. staleGen is the generation the caller saw fail
// (the current one for a slot without a session); if s has moved on since,
// someone already replaced the session and nothing is done. Logins are serialised client-wide
// because getchallenge invalidates the user's previous token.
func (c *Client) login(ctx context.Context, s *session, staleGen uint64) error {
	select {
	case c.loginLock <- struct{}{}:
	case <-ctx.Done():
		return ctxError("login", ctx.Err(), "waiting for the login lock")
	}
	defer func() { <-c.loginLock }()
	if s.gen != staleGen {
		return nil
	}
	s.name = ""

	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var name, userID string
		name, userID, err = c.loginOnce(ctx)
		if err == nil {
			s.name, s.userID = name, userID
			s.gen++
			c.logins.Add(1)
			c.log.DebugContext(ctx, "vtiger login", "user", c.cfg.Username, "userId", userID)
			return nil
		}
		var e *Error
		// Another process logging in as the same user may have replaced our
		// challenge token between getchallenge and login; one fresh try.
		if !errors.As(err, &e) || (e.Code != CodeInvalidCredentials && e.Code != CodeInvalidAuthToken) {
			break
		}
	}
	return fmt.Errorf("vtiger: login as %q: %w", c.cfg.Username, err)
}

func (c *Client) loginOnce(ctx context.Context) (name, userID string, err error) {
	raw, err := c.withRetries(ctx, request{op: "getchallenge", params: url.Values{"username": {c.cfg.Username}}}, "")
	if err != nil {
		return "", "", err
	}
	var ch struct {
		Token flexString `json:"token"`
	}
	if err := decodeObject(raw, &ch); err != nil || ch.Token == "" {
		return "", "", &transportError{op: "getchallenge", kind: ErrBadResponse, detail: "no token in reply"}
	}
	sum := md5.Sum([]byte(string(ch.Token) + c.cfg.AccessKey))
	raw, err = c.roundTrip(ctx, request{op: "login", params: url.Values{
		"username":  {c.cfg.Username},
		"accessKey": {hex.EncodeToString(sum[:])},
	}}, "")
	if err != nil {
		return "", "", err
	}
	var res struct {
		SessionName flexString `json:"sessionName"`
		UserID      flexString `json:"userId"`
	}
	if err := decodeObject(raw, &res); err != nil || res.SessionName == "" {
		return "", "", &transportError{op: "login", kind: ErrBadResponse, detail: "no sessionName in reply"}
	}
	return string(res.SessionName), string(res.UserID), nil
}

// Close logs out every pooled session (best effort). It waits (bounded by
// ctx) for calls in flight; later calls fail with ErrClosed.
func (c *Client) Close(ctx context.Context) error {
	p := c.pool
	p.once.Do(func() { close(p.closed) })
	held := 0
	defer func() {
		for range held {
			<-p.sem
		}
	}()
	for held < cap(p.sem) {
		select {
		case p.sem <- struct{}{}:
			held++
		case <-ctx.Done():
			return ctxError("logout", ctx.Err(), "waiting for calls in flight")
		}
	}
	p.mu.Lock()
	slots := append([]*session(nil), p.idle...)
	p.mu.Unlock()
	for _, s := range slots {
		if s.name == "" {
			continue
		}
		// Some PHP 8 installs answer logout with HTTP 500; the session then
		// just ages out on the server, so failures are only logged.
		if _, err := c.roundTrip(ctx, request{op: "logout"}, s.name); err != nil {
			c.log.DebugContext(ctx, "vtiger logout failed", "err", err)
		}
		s.name = ""
	}
	return nil
}

// UserID returns the CRM user id of the client's user (e.g. "19x1"), logging
// in if needed; useful as assigned_user_id for records the portal creates.
func (c *Client) UserID(ctx context.Context) (string, error) {
	s, err := c.pool.borrow(ctx, "login")
	if err != nil {
		return "", err
	}
	defer c.pool.release(s)
	if s.name == "" {
		if err := c.login(ctx, s, s.gen); err != nil {
			return "", err
		}
	}
	return s.userID, nil
}

// WarmSessions logs every pooled session in (one login at a time, as
// always), so the first concurrent requests after start-up do not each
// pay for a login. It holds the sessions only while logging them in.
func (c *Client) WarmSessions(ctx context.Context) error {
	var held []*session
	defer func() {
		for _, s := range held {
			c.pool.release(s)
		}
	}()
	for range c.cfg.PoolSize {
		s, err := c.pool.borrow(ctx, "login")
		if err != nil {
			return err
		}
		held = append(held, s)
		if s.name == "" {
			if err := c.login(ctx, s, s.gen); err != nil {
				return err
			}
		}
	}
	return nil
}
