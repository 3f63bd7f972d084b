package vtigersim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAccessKey is the access key of the admin user when Options.Users is empty.
const DefaultAccessKey = "simAccessKey1234"

// Options configures a Server. The zero value is a fast, fault-free Vtiger 8.4.
type Options struct {
	// Version is "8.4" (default: count(*) answers [], a missing record gives
	// ACCESS_DENIED) or "7.x" (count(*) answers [{"count":"N"}], a missing record gives RECORD_NOT_FOUND).
	Version string
	// Users maps CRM user names to access keys; default {"admin": DefaultAccessKey}.
	// "admin" is the administrator (19x1); every other user is a non-admin with a read-only profile.
	Users map[string]string
	// Latency ± uniform Jitter is slept on every call (respecting the request context).
	Latency, Jitter time.Duration
	// MaxConcurrent is the number of PHP workers: calls beyond it queue. 0 = unlimited.
	MaxConcurrent int
	// SessionLifetime is the idle time after which a session is lost (INVALID_SESSIONID). 0 = never.
	SessionLifetime time.Duration
	Logger          *slog.Logger
}

// Fault is a failure InjectFault makes the next calls suffer.
type Fault int

// The injectable faults.
const (
	FaultHTTP500        Fault = iota + 1 // HTTP 500, empty text/html body (PHP fatal error, display_errors off)
	FaultHTML                            // HTTP 200 with a PHP fatal error HTML page
	FaultInvalidSession                  // the call's session is lost (as after PHP session GC): INVALID_SESSIONID
	FaultTimeout                         // no answer until the request context is done
	FaultPHPNotice                       // valid JSON preceded by a PHP notice (display_errors on)
)

type user struct {
	name  string
	key   string
	id    int
	admin bool
}

func (u *user) wsID() string { return fmt.Sprintf("19x%d", u.id) }

type challenge struct {
	token   string
	expires time.Time
}

type session struct {
	id       string
	user     *user
	lastUsed time.Time
	lock     chan struct{} // PHP's session file lock: one call at a time per session
}

// Server is an in-memory Vtiger webservice.php. It is safe for concurrent use.
type Server struct {
	log *slog.Logger

	mu       sync.Mutex // guards everything below except the atomics
	opts     Options
	latency  atomic.Pointer[[2]time.Duration] // SetLatency override of opts.Latency/Jitter
	version  string
	modules  map[string]*module
	byPrefix map[string]*module
	records  map[string]*record // by full ws id
	byCrm    map[int]*record    // entity records (not Users) by crmid
	nextCrm  int
	files    map[int]*attachment
	links    []link
	nextItem int
	users    map[string]*user
	chall    map[string]challenge
	sessions map[string]*session
	faults   []Fault

	calls         map[string]int64
	logins        int64
	pendingLogins map[string]int
	pendingTotal  int64
	maxLogins     int64

	// testHook, when set, runs inside the session lock before the operation (tests only).
	testHook func(op string)

	inflight atomic.Int64
	maxSeen  atomic.Int64
	sem      chan struct{}
}

// New returns a simulator with the built-in modules, one Users record per CRM user
// (admin = 19x1) and the default Currency, DocumentFolders, Groups and CompanyDetails rows.
func New(opts Options) *Server {
	if opts.Version == "" {
		opts.Version = "8.4"
	}
	if len(opts.Users) == 0 {
		opts.Users = map[string]string{"admin": DefaultAccessKey}
	}
	s := &Server{
		log:           opts.Logger,
		opts:          opts,
		version:       opts.Version,
		modules:       map[string]*module{},
		byPrefix:      map[string]*module{},
		records:       map[string]*record{},
		byCrm:         map[int]*record{},
		nextCrm:       2,
		files:         map[int]*attachment{},
		nextItem:      1,
		users:         map[string]*user{},
		chall:         map[string]challenge{},
		sessions:      map[string]*session{},
		calls:         map[string]int64{},
		pendingLogins: map[string]int{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxConcurrent > 0 {
		s.sem = make(chan struct{}, opts.MaxConcurrent)
	}
	for _, m := range builtinModules() {
		if err := s.AddModule(m); err != nil {
			s.log.Error("vtigersim: builtin module rejected", "module", m.Name, "err", err)
		}
	}
	names := make([]string, 0, len(opts.Users))
	for n := range opts.Users {
		if n != "admin" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if _, ok := opts.Users["admin"]; ok {
		names = append([]string{"admin"}, names...)
	}
	nextUser := 5 // a fresh install's users after admin start at 5
	for _, n := range names {
		u := &user{name: n, key: opts.Users[n], admin: n == "admin"}
		if u.admin {
			u.id = 1
		} else {
			u.id = nextUser
			nextUser++
		}
		s.users[n] = u
		s.seedUser(u)
	}
	s.seedActors()
	return s
}

func (s *Server) seedUser(u *user) {
	m := s.modules["Users"]
	if m == nil {
		return
	}
	vals := map[string]string{"user_name": u.name, "last_name": u.name, "email1": u.name + "@example.com", "status": "Active",
		"is_admin": "off", "roleid": "H3", "time_zone": "UTC", "hour_format": "12", "date_format": "yyyy-mm-dd", "currency_id": "21x1",
		"callduration": "5", "othereventduration": "5", "language": "en_us", "userlabel": u.name}
	if u.admin {
		vals["last_name"], vals["is_admin"], vals["roleid"], vals["userlabel"], vals["email1"] = "Administrator", "on", "H2", "Administrator", "admin@example.com"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.insertLocked(m, vals, u.id); err != nil {
		s.log.Error("vtigersim: seed user", "user", u.name, "err", err)
	}
}

// seedActors creates the rows every install has (ids as on a fresh 8.x install).
func (s *Server) seedActors() {
	rows := []struct {
		mod  string
		vals map[string]string
	}{
		{"Currency", map[string]string{"currency_name": "USA, Dollars", "currency_code": "USD", "currency_symbol": "$", "conversion_rate": "1.00000", "currency_status": "Active", "defaultid": "-11", "deleted": "0"}},
		{"DocumentFolders", map[string]string{"foldername": "Default", "description": "This is a Default Folder", "createdby": "19x1", "sequence": "1"}},
		{"CompanyDetails", map[string]string{"organizationname": "vtiger", "address": "95, 12th Main Road, 3rd Block, Rajajinagar", "city": "Bangalore", "state": "Karnataka", "country": "India", "code": "560010", "phone": "+91 9243602352", "fax": "+91 9243602352", "website": "www.vtiger.com", "logoname": "vtiger-crm-logo.png"}},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rows {
		m := s.modules[r.mod]
		if m == nil {
			continue
		}
		vals := map[string]string{}
		for k, v := range r.vals {
			if _, ok := m.byName[k]; ok {
				vals[k] = v
			}
		}
		if _, err := s.insertLocked(m, vals, 0); err != nil {
			s.log.Error("vtigersim: seed", "module", r.mod, "err", err)
		}
	}
	if m := s.modules["Groups"]; m != nil {
		m.nextID = 2
		for _, g := range []string{"Team Selling", "Marketing Group", "Support Group"} {
			if _, err := s.insertLocked(m, map[string]string{"groupname": g}, 0); err != nil {
				s.log.Error("vtigersim: seed group", "err", err)
			}
		}
	}
}

// SetVersion switches between "8.4" and "7.x" behaviour.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

func (s *Server) is7() bool { return strings.HasPrefix(s.version, "7") }

// InjectFault makes the next n calls fail with f.
func (s *Server) InjectFault(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Calls returns the number of calls per operation name (as sent, lower-cased).
func (s *Server) Calls() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Logins returns the number of successful logins.
func (s *Server) Logins() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// MaxConcurrentSeen returns the highest number of calls in flight at once (queued ones included).
func (s *Server) MaxConcurrentSeen() int64 { return s.maxSeen.Load() }

// ConcurrentLogins returns the highest number of getchallenge→login sequences in flight at once.
func (s *Server) ConcurrentLogins() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxLogins
}

// ResetCounters zeroes Calls, Logins, MaxConcurrentSeen and ConcurrentLogins.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int64{}
	s.logins = 0
	s.maxLogins = s.pendingTotal
	s.maxSeen.Store(s.inflight.Load())
}

// ExpireSessions drops every session, as PHP session garbage collection does.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]*session{}
}

type wsError struct {
	code    string
	message string
}

var (
	errDenied       = &wsError{"ACCESS_DENIED", "Permission to perform the operation is denied"}
	errDeniedID     = &wsError{"ACCESS_DENIED", "Permission to perform the operation is denied for id"}
	errIDIncorrect  = &wsError{"INVALID_ID_ATTRIBUTE", "Id specified is incorrect"}
	errInternal     = &wsError{"INTERNAL_SERVER_ERROR", "Unknown Error while processing request"}
	errAuthRequired = &wsError{"AUTHENTICATION_REQUIRED", "Authencation required"}
	errBadSession   = &wsError{"INVALID_SESSIONID", "Session Identifier provided is Invalid"}
	errNotFound     = &wsError{"RECORD_NOT_FOUND", "Record you are trying to access is not found"}
	errRelation     = &wsError{"UNKOWN_ENTITY", "Relation specified is incorrect"}
	errWriteDenied  = &wsError{"ACCESS_DENIED", "Permission to write is denied"}
)

func deniedName(name string) *wsError {
	return &wsError{"ACCESS_DENIED", "Permission to perform the operation is denied for name : " + name}
}

func mandatoryMissing(f string) *wsError {
	return &wsError{"MANDATORY_FIELDS_MISSING", f + " does not have a value"}
}

// call is one webservice request after transport decoding.
type call struct {
	ctx    context.Context
	r      *http.Request
	op     string
	params url.Values // only the ones PHP would pass: $_GET for GET operations, $_POST for POST ones
	user   *user
	sess   *session
}

func (c *call) get(k string) string {
	v := c.params.Get(k)
	if v == "0" { // vtws_getParameter treats falsy values as absent
		return ""
	}
	return v
}

type opInfo struct {
	method   string
	prelogin bool
	fn       func(s *Server, c *call) (any, *wsError)
}

var operations map[string]opInfo

func init() {
	operations = map[string]opInfo{
		"getchallenge":     {http.MethodGet, true, (*Server).opGetChallenge},
		"login":            {http.MethodPost, true, (*Server).opLogin},
		"extendsession":    {http.MethodPost, true, (*Server).opExtendSession},
		"logout":           {http.MethodPost, false, (*Server).opLogout},
		"listtypes":        {http.MethodGet, false, (*Server).opListTypes},
		"describe":         {http.MethodGet, false, (*Server).opDescribe},
		"create":           {http.MethodPost, false, (*Server).opCreate},
		"retrieve":         {http.MethodGet, false, (*Server).opRetrieve},
		"update":           {http.MethodPost, false, (*Server).opUpdate},
		"revise":           {http.MethodPost, false, (*Server).opRevise},
		"delete":           {http.MethodPost, false, (*Server).opDelete},
		"query":            {http.MethodGet, false, (*Server).opQuery},
		"retrieve_related": {http.MethodGet, false, (*Server).opRetrieveRelated},
		"query_related":    {http.MethodGet, false, (*Server).opQueryRelated},
		"relatedtypes":     {http.MethodGet, false, (*Server).opRelatedTypes},
		"add_related":      {http.MethodPost, false, (*Server).opAddRelated},
		"files_retrieve":   {http.MethodGet, false, (*Server).opFilesRetrieve},
	}
}

const maxUpload = 32 << 20

// ServeHTTP serves any path ending in webservice.php.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "webservice.php") {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}

	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		var err error
		if strings.HasPrefix(ct, "multipart/") {
			err = r.ParseMultipartForm(maxUpload)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			s.log.Debug("vtigersim: bad form", "err", err)
		}
	}
	query := r.URL.Query()
	var post url.Values
	if r.Method == http.MethodPost {
		post = r.PostForm
		if r.MultipartForm != nil {
			post = url.Values(r.MultipartForm.Value)
		}
	}
	// $_REQUEST: POST overrides GET.
	reqVal := func(k string) string {
		if post != nil {
			if v, ok := post[k]; ok && len(v) > 0 {
				return v[0]
			}
		}
		return query.Get(k)
	}
	opName := strings.ToLower(reqVal("operation"))

	s.mu.Lock()
	s.calls[opName]++
	var fault Fault
	if len(s.faults) > 0 {
		fault = s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()

	if s.sem != nil {
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
		case <-ctx.Done():
			return
		}
	}

	switch fault {
	case FaultTimeout:
		<-ctx.Done()
		return
	case FaultHTTP500:
		s.writeHTML(ctx, w, http.StatusInternalServerError, "")
		return
	case FaultHTML:
		s.writeHTML(ctx, w, http.StatusOK, "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to a member function fetch_array() on bool in /var/www/html/include/database/PearDatabase.php:707\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/html/include/database/PearDatabase.php</b> on line <b>707</b><br />\n")
		return
	}

	op, known := operations[opName]
	if !known {
		// Vtiger constructs the OperationManager outside its try block, so an unknown
		// operation is an uncaught exception: HTTP 500 with an empty HTML body.
		s.writeHTML(ctx, w, http.StatusInternalServerError, "")
		return
	}

	c := &call{ctx: ctx, r: r, op: opName}
	if op.method == http.MethodGet {
		c.params = query
	} else {
		c.params = post
		if c.params == nil {
			c.params = url.Values{}
		}
	}

	var result any
	var werr *wsError
	sessName := reqVal("sessionName")
	if fault == FaultInvalidSession {
		s.mu.Lock()
		delete(s.sessions, sessName)
		s.mu.Unlock()
		werr = errBadSession
		if !s.sleep(ctx) {
			return
		}
	} else if !op.prelogin || opName == "extendsession" {
		if opName == "extendsession" {
			if post == nil || post.Get("operation") == "" {
				werr = errAuthRequired
			}
		} else if sessName == "" || sessName == "null" {
			werr = errAuthRequired
		} else {
			sess := s.lookupSession(sessName)
			if sess == nil {
				werr = errBadSession
			} else {
				select {
				case sess.lock <- struct{}{}:
					defer func() { <-sess.lock }()
				case <-ctx.Done():
					return
				}
				// The session may have been logged out while this call waited for the lock.
				if s.lookupSession(sessName) == nil {
					werr = errBadSession
				} else {
					c.sess, c.user = sess, sess.user
				}
			}
		}
		if !s.sleep(ctx) {
			return
		}
	} else if !s.sleep(ctx) {
		return
	}
	if werr == nil {
		if s.testHook != nil {
			s.testHook(opName)
		}
		result, werr = op.fn(s, c)
	}
	if c.sess != nil {
		s.mu.Lock()
		c.sess.lastUsed = time.Now()
		s.mu.Unlock()
	}

	if werr != nil {
		s.log.Debug("vtigersim: call failed", "operation", opName, "code", werr.code, "message", werr.message)
	} else {
		s.log.Debug("vtigersim: call", "operation", opName)
	}
	var body bytes.Buffer
	if fault == FaultPHPNotice {
		body.WriteString("<br />\n<b>Notice</b>:  Undefined index: HTTP_USER_AGENT in <b>/var/www/html/include/utils/utils.php</b> on line <b>2112</b><br />\n")
	}
	env := newObj()
	if werr != nil {
		env.set("success", false).set("error", newObj().set("message", werr.message).set("code", werr.code))
	} else {
		env.set("success", true).set("result", result)
	}
	encodeZend(&body, env)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// SetLatency changes the per-call latency of a running server (tests that
// need a slow CRM from some point on).
func (s *Server) SetLatency(latency, jitter time.Duration) {
	s.latency.Store(&[2]time.Duration{latency, jitter})
}

// sleep waits Latency ± Jitter; false when the client went away first.
// writeHTML answers the way PHP does outside the webservice's JSON: an HTML
// page (body may be empty) after the configured latency, or nothing at all
// when the caller has gone meanwhile.
func (s *Server) writeHTML(ctx context.Context, w http.ResponseWriter, status int, body string) {
	if !s.sleep(ctx) {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	if body != "" {
		_, _ = w.Write([]byte(body))
	}
}

func (s *Server) sleep(ctx context.Context) bool {
	d, j := s.opts.Latency, s.opts.Jitter
	if l := s.latency.Load(); l != nil {
		d, j = l[0], l[1]
	}
	if j > 0 {
		d += time.Duration(mrand.Int64N(int64(2*j)+1)) - j
	}
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) lookupSession(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		return nil
	}
	if lt := s.opts.SessionLifetime; lt > 0 && time.Since(sess.lastUsed) > lt {
		delete(s.sessions, id)
		return nil
	}
	return sess
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
