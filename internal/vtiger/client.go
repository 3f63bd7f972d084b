package vtiger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	// maxBody bounds a reply in memory; files_retrieve returns whole files
	// base64-encoded, so it is generous.
	maxBody = 256 << 20
	// snippetLen is how much of a bad body is logged.
	snippetLen = 200
)

// getOps are the operations Vtiger registers as GET; everything else is POST.
var getOps = map[string]bool{
	"getchallenge": true, "listtypes": true, "describe": true, "retrieve": true,
	"query": true, "retrieve_related": true, "query_related": true,
	"relatedtypes": true, "files_retrieve": true,
}

// Client talks to webservice.php through a pool of sessions.
type Client struct {
	cfg      Config
	endpoint string
	http     *http.Client
	log      *slog.Logger
	obs      Observer
	pool     *pool

	loginLock chan struct{} // one getchallenge+login at a time, ctx-aware

	describes sync.Map // "describe:Module", "listtypes" → *cacheEntry
	flight    singleflight.Group

	countUnsupported atomic.Bool // server answers count(*) with [] (Vtiger 8.3+)

	statsMu  sync.Mutex
	calls    map[string]int64
	errs     map[string]int64
	logins   atomic.Int64
	inFlight atomic.Int64
	maxConc  atomic.Int64
}

// cacheEntry is one cached answer: a *Module (describe) or []string (listtypes).
type cacheEntry struct {
	val any
	exp time.Time
}

// New validates cfg and returns a client; it does not log in (sessions are lazy).
func New(cfg Config) (*Client, error) {
	endpoint, err := normaliseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" || cfg.AccessKey == "" {
		return nil, errors.New("vtiger: Username and AccessKey are required")
	}
	switch {
	case cfg.Timeout <= 0:
		return nil, errors.New("vtiger: Timeout must be positive")
	case cfg.PoolSize <= 0:
		return nil, errors.New("vtiger: PoolSize must be positive")
	case cfg.MaxRetries < 0:
		return nil, errors.New("vtiger: MaxRetries must not be negative")
	case cfg.MaxRetries > 0 && cfg.RetryBackoff <= 0:
		return nil, errors.New("vtiger: RetryBackoff must be positive")
	case cfg.DescribeTTL <= 0:
		return nil, errors.New("vtiger: DescribeTTL must be positive")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Keep one idle connection per pooled session (plus login/logout) so
		// steady traffic never reconnects.
		tr.MaxIdleConnsPerHost = cfg.PoolSize + 2
		tr.IdleConnTimeout = 90 * time.Second
		hc = &http.Client{Transport: tr}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Client{
		cfg:       cfg,
		endpoint:  endpoint,
		http:      hc,
		log:       logger.With("component", "vtiger"),
		obs:       cfg.Observer,
		pool:      newPool(cfg.PoolSize),
		loginLock: make(chan struct{}, 1),
		calls:     map[string]int64{},
		errs:      map[string]int64{},
	}, nil
}

// normaliseURL accepts the site root or the full webservice.php URL.
func normaliseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("vtiger: URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("vtiger: URL %q: want http(s)://host[/path]", raw)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	if !strings.HasSuffix(u.Path, "/webservice.php") {
		u.Path = strings.TrimRight(u.Path, "/") + "/webservice.php"
	}
	u.RawPath = ""
	return u.String(), nil
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	s := Stats{
		Calls:         make(map[string]int64, len(c.calls)),
		Errors:        make(map[string]int64, len(c.errs)),
		Logins:        c.logins.Load(),
		MaxConcurrent: c.maxConc.Load(),
	}
	for k, v := range c.calls {
		s.Calls[k] = v
	}
	for k, v := range c.errs {
		s.Errors[k] = v
	}
	return s
}

// request is one webservice operation, rebuilt for every attempt so that a
// retry resends an identical body.
type request struct {
	op     string
	params url.Values
	file   *filePart // non-nil: multipart POST
	id     string    // record id, for IsNotFound's well-formedness rule
}

type filePart struct {
	field, name, mime string
	content           []byte
}

// call runs req on a borrowed session: lazy login, retries of idempotent
// reads, and the one re-login retry on a lost session.
func (c *Client) call(ctx context.Context, req request) (json.RawMessage, error) {
	s, err := c.pool.borrow(ctx, req.op)
	if err != nil {
		return nil, err
	}
	defer c.pool.release(s)

	if s.name == "" {
		if err := c.login(ctx, s, s.gen); err != nil {
			return nil, err
		}
	}
	gen := s.gen
	res, err := c.withRetries(ctx, req, s.name)
	if err != nil && isSessionError(err) {
		c.log.DebugContext(ctx, "vtiger session lost; logging in again", "op", req.op, "code", errCode(err))
		if lerr := c.login(ctx, s, gen); lerr != nil {
			return nil, fmt.Errorf("%w (re-login failed: %w)", err, lerr)
		}
		res, err = c.withRetries(ctx, req, s.name)
	}
	if err != nil {
		return nil, c.annotate(err, req)
	}
	return res, nil
}

// annotate records what IsNotFound needs to know about the request.
func (c *Client) annotate(err error, req request) error {
	var e *Error
	if req.id != "" && !wellFormedID.MatchString(req.id) && errors.As(err, &e) {
		e.malformedID = true
	}
	return err
}

// withRetries sends req, retrying idempotent (GET) operations on transport
// failures. Writes are never retried here: a timeout or 5xx after a write
// leaves its outcome unknown.
func (c *Client) withRetries(ctx context.Context, req request, session string) (json.RawMessage, error) {
	retries := 0
	if getOps[req.op] {
		retries = c.cfg.MaxRetries
	}
	backoff := c.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		res, err := c.roundTrip(ctx, req, session)
		var te *transportError
		if err == nil || attempt >= retries || !errors.As(err, &te) || !te.retry || ctx.Err() != nil {
			return res, err
		}
		// Full jitter keeps a pool of clients from retrying in lockstep.
		wait := backoff/2 + rand.N(backoff/2+1)
		c.log.DebugContext(ctx, "vtiger retry", "op", req.op, "attempt", attempt+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		backoff *= 2
	}
}

// roundTrip performs one HTTP exchange and decodes the envelope.
func (c *Client) roundTrip(ctx context.Context, req request, session string) (res json.RawMessage, err error) {
	start := time.Now()
	n := c.inFlight.Add(1)
	for {
		m := c.maxConc.Load()
		if n <= m || c.maxConc.CompareAndSwap(m, n) {
			break
		}
	}
	status := 0
	defer func() {
		c.inFlight.Add(-1)
		d := time.Since(start)
		code := errCode(err)
		c.statsMu.Lock()
		c.calls[req.op]++
		if code != "" {
			c.errs[code]++
		}
		c.statsMu.Unlock()
		if c.obs != nil {
			c.obs.ObserveCall(req.op, d, code)
		}
		c.log.DebugContext(ctx, "vtiger call", "op", req.op, "status", status, "duration", d, "code", code)
	}()

	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := c.newHTTPRequest(cctx, req, session)
	if err != nil {
		return nil, fmt.Errorf("vtiger %s: building request: %w", req.op, err)
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.transportFailure(ctx, cctx, req.op, err)
	}
	defer resp.Body.Close()
	status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, c.transportFailure(ctx, cctx, req.op, err)
	}
	if len(body) > maxBody {
		return nil, &transportError{op: req.op, kind: ErrBadResponse, detail: "reply larger than 256 MiB"}
	}
	if resp.StatusCode != http.StatusOK {
		c.logBadBody(ctx, req.op, resp, body, session)
		return nil, &transportError{
			op: req.op, kind: ErrBadResponse,
			detail: fmt.Sprintf("HTTP %d (%s, %d bytes)", resp.StatusCode, resp.Header.Get("Content-Type"), len(body)),
			// 5xx is the PHP side failing (often transiently); 4xx is a
			// misconfigured URL that retrying cannot fix.
			retry: resp.StatusCode >= 500,
		}
	}
	res, err = decodeEnvelope(req.op, body)
	if err != nil {
		var vt *Error
		if errors.As(err, &vt) {
			return nil, vt
		}
		c.logBadBody(ctx, req.op, resp, body, session)
		return nil, &transportError{
			op: req.op, kind: ErrBadResponse, retry: true,
			detail: fmt.Sprintf("HTTP 200 %s, %d bytes, %v; starts %q", resp.Header.Get("Content-Type"), len(body), err,
				redact(body, 60, session, c.cfg.AccessKey)),
		}
	}
	return res, nil
}

// transportFailure classifies an error from Do or from reading the body.
// The *url.Error wrapper is dropped because its text holds the URL and so,
// for GET operations, the sessionName.
func (c *Client) transportFailure(parent, call context.Context, op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return &transportError{op: op, kind: context.Canceled}
	case errors.Is(call.Err(), context.DeadlineExceeded):
		return &transportError{op: op, kind: ErrTimeout, cause: context.DeadlineExceeded,
			detail: fmt.Sprintf("no answer within %s", c.cfg.Timeout)}
	case errors.As(err, &ne) && ne.Timeout():
		return &transportError{op: op, kind: ErrTimeout, cause: err}
	default:
		return &transportError{op: op, kind: ErrUnavailable, cause: err, retry: true}
	}
}

func (c *Client) logBadBody(ctx context.Context, op string, resp *http.Response, body []byte, session string) {
	c.log.WarnContext(ctx, "vtiger bad response", "op", op, "status", resp.StatusCode,
		"content_type", resp.Header.Get("Content-Type"), "bytes", len(body),
		"body", redact(body, snippetLen, session, c.cfg.AccessKey))
}

// redact returns the first n bytes of body with secrets masked (a PHP notice
// can echo request parameters).
func redact(body []byte, n int, secrets ...string) string {
	s := string(body)
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "<redacted>")
		}
	}
	if len(s) > n {
		s = s[:n]
	}
	return s
}

func (c *Client) newHTTPRequest(ctx context.Context, req request, session string) (*http.Request, error) {
	vals := make(url.Values, len(req.params)+2)
	for k, v := range req.params {
		vals[k] = v
	}
	vals.Set("operation", req.op)
	if session != "" {
		vals.Set("sessionName", session)
	}
	if getOps[req.op] {
		return http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"?"+vals.Encode(), nil)
	}
	if req.file == nil {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(vals.Encode()))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r, nil
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range vals {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				return nil, err
			}
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, req.file.field, req.file.name))
	mime := req.file.mime
	if mime == "" {
		mime = "application/octet-stream"
	}
	h.Set("Content-Type", mime)
	pw, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	if _, err := pw.Write(req.file.content); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, &buf)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r, nil
}

// encodeElement JSON-encodes an element without Go's HTML escaping (<, >, &
// as \u003c…): Vtiger's hand-written Zend decoder is the weakest link, so it
// gets the plainest JSON.
func encodeElement(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimRight(buf.String(), "\n"), nil
}
