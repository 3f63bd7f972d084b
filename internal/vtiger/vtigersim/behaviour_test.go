package vtigersim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func seedQueryData(t *testing.T, s *Server) (acc string, tickets []string) {
	t.Helper()
	var err error
	acc, err = s.Insert("Accounts", map[string]string{"accountname": "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range []struct{ title, status, hours string }{
		{"Printer does not print", "Open", "2"},
		{"O'Brien's 50% discount", "In Progress", "10"},
		{"back\\slash_case", "Closed", "3"},
		{"Mail down", "Open", "1.5"},
	} {
		id, err := s.Insert("HelpDesk", map[string]string{"ticket_title": tk.title, "ticketstatus": tk.status, "ticketpriorities": "Low", "hours": tk.hours, "parent_id": acc})
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, id)
	}
	return acc, tickets
}

func TestVTQL(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	acc, tickets := seedQueryData(t, s)
	if err := s.Delete(tickets[3]); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, q string
		code    string // expected error code; "" = success
		rows    int    // expected row count on success
		msg     string // expected error message, when checked
	}{
		{"star", "SELECT * FROM HelpDesk;", "", 3, ""},
		{"keywords any case", "select ticket_title from HelpDesk where ticketstatus = 'open' limit 5;", "", 1, ""},
		{"deleted excluded", "SELECT id FROM HelpDesk WHERE ticket_title='Mail down';", "", 0, ""},
		{"escaped quote", "SELECT id FROM HelpDesk WHERE ticket_title='O''Brien''s 50% discount';", "", 1, ""},
		{"like percent", "SELECT id FROM HelpDesk WHERE ticket_title LIKE '%PRINT%';", "", 1, ""},
		{"like underscore", "SELECT id FROM HelpDesk WHERE ticket_title LIKE 'Mail_down';", "", 0, ""},
		{"like escaped percent", "SELECT id FROM HelpDesk WHERE ticket_title LIKE '%50\\%%';", "", 1, ""},
		{"like escaped percent no match", "SELECT id FROM HelpDesk WHERE ticket_title LIKE '%t\\%%';", "", 0, ""},
		{"like escaped underscore", "SELECT id FROM HelpDesk WHERE ticket_title LIKE '%slash\\_case';", "", 1, ""},
		{"backslash literal", "SELECT id FROM HelpDesk WHERE ticket_title='back\\\\slash_case';", "", 1, ""},
		{"in list", "SELECT id FROM HelpDesk WHERE ticketstatus IN ('Open','Closed');", "", 2, ""},
		{"and or precedence", "SELECT id FROM HelpDesk WHERE ticketstatus='Closed' OR ticketstatus='Open' AND hours > 5;", "", 1, ""},
		{"parentheses", "SELECT id FROM HelpDesk WHERE (ticketstatus='Closed' OR ticketstatus='Open') AND hours > '3.5';", "", 0, ""},
		{"unquoted decimal", "SELECT id FROM HelpDesk WHERE hours > 2.5;", "INTERNAL_SERVER_ERROR", 0, ""},
		{"numeric compare", "SELECT id FROM HelpDesk WHERE hours >= 3;", "", 2, ""},
		{"numeric not lexicographic", "SELECT id FROM HelpDesk WHERE hours < 9;", "", 2, ""},
		{"not equal", "SELECT id FROM HelpDesk WHERE ticketstatus != 'Open';", "", 2, ""},
		{"sql not equal", "SELECT id FROM HelpDesk WHERE ticketstatus <> 'Open';", "", 2, ""},
		{"reference quoted", "SELECT id FROM HelpDesk WHERE parent_id='" + acc + "';", "", 3, ""},
		{"reference unquoted", "SELECT id FROM HelpDesk WHERE parent_id=" + acc + ";", "", 3, ""},
		{"id compare", "SELECT id FROM HelpDesk WHERE id='" + tickets[0] + "';", "", 1, ""},
		{"order limit offset", "SELECT id FROM HelpDesk ORDER BY hours DESC LIMIT 1, 1;", "", 1, ""},
		{"order list", "SELECT id FROM HelpDesk ORDER BY ticketstatus, hours DESC;", "", 3, ""},
		{"count 8.4", "SELECT count(*) FROM HelpDesk;", "", 0, ""},
		{"no semicolon", "SELECT * FROM HelpDesk", "QUERY_SYNTAX_ERROR", 0, "Syntax Error on line 1: token 'HelpDesk' Unexpected End of Input(0), expected one of: SEMICOLON"},
		{"misspelt select", "SELEC * FROM HelpDesk;", "QUERY_SYNTAX_ERROR", 0, "Syntax Error on line 1: token 'SELEC' Unexpected Unknown(SELEC), expected one of: SELECT"},
		{"order dir then list", "SELECT * FROM HelpDesk ORDER BY ticket_title DESC, ticket_no;", "QUERY_SYNTAX_ERROR", 0, "Syntax Error on line 1: token ',' Unexpected COMMA(,), expected one of: SEMICOLON"},
		{"trailing garbage", "SELECT * FROM HelpDesk; x", "QUERY_SYNTAX_ERROR", 0, ""},
		{"missing value", "SELECT * FROM HelpDesk WHERE ticketstatus=;", "QUERY_SYNTAX_ERROR", 0, ""},
		{"unclosed paren", "SELECT * FROM HelpDesk WHERE (ticketstatus='Open';", "QUERY_SYNTAX_ERROR", 0, ""},
		{"double quotes", `SELECT * FROM HelpDesk WHERE ticket_title="x";`, "INTERNAL_SERVER_ERROR", 0, "Unknown Error while processing request"},
		{"empty literal", "SELECT * FROM HelpDesk WHERE ticket_title='';", "INTERNAL_SERVER_ERROR", 0, ""},
		{"unterminated literal", "SELECT * FROM HelpDesk WHERE ticket_title='x;", "INTERNAL_SERVER_ERROR", 0, ""},
		{"unknown select field", "SELECT nosuchfield FROM HelpDesk;", "ACCESS_DENIED", 0, "Permission to access '.nosuchfield.' attribute denied."},
		{"unknown where field", "SELECT * FROM HelpDesk WHERE nosuchfield='x';", "ACCESS_DENIED", 0, "Permission to access nosuchfield attribute denied."},
		{"db column", "SELECT title FROM HelpDesk;", "ACCESS_DENIED", 0, "Permission to access '.title.' attribute denied."},
		{"unknown module", "SELECT * FROM Tickets;", "ACCESS_DENIED", 0, "Permission to perform the operation is denied for name : Tickets"},
		{"module case-sensitive", "SELECT * FROM helpdesk;", "ACCESS_DENIED", 0, "Permission to perform the operation is denied for name : helpdesk"},
		{"reference without x", "SELECT * FROM HelpDesk WHERE parent_id=2;", "INVALID_ID_ATTRIBUTE", 0, "Id specified is incorrect"},
		{"reference IN without x", "SELECT * FROM HelpDesk WHERE parent_id IN ('" + acc + "','2');", "INVALID_ID_ATTRIBUTE", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := c.call(http.MethodGet, "query", "query", tc.q)
			if got := errCode(env); got != tc.code {
				t.Fatalf("code %q, want %q (%+v)", got, tc.code, env.Error)
			}
			if tc.msg != "" && env.Error.Message != tc.msg {
				t.Fatalf("message %q, want %q", env.Error.Message, tc.msg)
			}
			if tc.code != "" {
				return
			}
			var rows []map[string]any
			if err := json.Unmarshal(env.Result, &rows); err != nil {
				t.Fatalf("result %s: %v", env.Result, err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d: %s", len(rows), tc.rows, env.Result)
			}
		})
	}

	t.Run("order and id appended", func(t *testing.T) {
		env := c.call(http.MethodGet, "query", "query", "SELECT ticket_title, hours FROM HelpDesk ORDER BY hours DESC;")
		var rows []map[string]string
		_ = json.Unmarshal(env.Result, &rows)
		if len(rows) != 3 || rows[0]["hours"] != "10" || rows[2]["hours"] != "2" || rows[0]["id"] != tickets[1] {
			t.Fatalf("rows %v", rows)
		}
	})
	t.Run("100-row cap", func(t *testing.T) {
		for i := range 130 {
			if _, err := s.Insert("Leads", map[string]string{"lastname": "L" + string(rune('a'+i%26))}); err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]int{"SELECT id FROM Leads;": 100, "SELECT id FROM Leads LIMIT 200;": 100, "SELECT id FROM Leads LIMIT 100, 50;": 30, "SELECT id FROM Leads LIMIT 7;": 7} {
			var rows []any
			_ = json.Unmarshal(c.call(http.MethodGet, "query", "query", q).Result, &rows)
			if len(rows) != want {
				t.Errorf("%s: %d rows, want %d", q, len(rows), want)
			}
		}
	})
	t.Run("count 7.x", func(t *testing.T) {
		s.SetVersion("7.x")
		defer s.SetVersion("8.4")
		env := c.call(http.MethodGet, "query", "query", "SELECT count(*) FROM HelpDesk WHERE parent_id='"+acc+"';")
		if string(env.Result) != `[{"count":"3"}]` {
			t.Fatalf("count: %s", env.Result)
		}
		env = c.call(http.MethodGet, "retrieve", "id", tickets[3])
		if errCode(env) != "RECORD_NOT_FOUND" {
			t.Fatalf("7.x deleted record: %+v", env.Error)
		}
	})
	t.Run("query via POST", func(t *testing.T) {
		env := c.call(http.MethodPost, "query", "query", "SELECT * FROM HelpDesk;")
		if errCode(env) != "ACCESS_DENIED" || env.Error.Message != "Permission to perform the operation is denied for query" {
			t.Fatalf("%+v", env.Error)
		}
	})
}

func TestLoginAndTokens(t *testing.T) {
	s, c := newTestServer(t, Options{Users: map[string]string{"admin": "k1", "portal": "k2"}})
	token := func(user string) string {
		var r struct{ Token string }
		env := c.call(http.MethodGet, "getchallenge", "username", user)
		_ = json.Unmarshal(env.Result, &r)
		return r.Token
	}
	t1 := token("admin")
	if len(t1) != 13 {
		t.Fatalf("token %q", t1)
	}
	login := func(user, key string) envelope {
		return c.call(http.MethodPost, "login", "username", user, "accessKey", key)
	}
	if env := login("admin", md5hex(t1+"k1")); !env.Success {
		t.Fatalf("login: %+v", env.Error)
	}
	if env := login("admin", md5hex(t1+"k1")); !env.Success {
		t.Fatalf("token must survive a login: %+v", env.Error)
	}
	if env := login("admin", strings.ToUpper(md5hex(t1+"k1"))); errCode(env) != "INVALID_USER_CREDENTIALS" {
		t.Fatalf("uppercase hash: %+v", env.Error)
	}
	t2 := token("admin")
	if env := login("admin", md5hex(t1+"k1")); errCode(env) != "INVALID_USER_CREDENTIALS" {
		t.Fatalf("replaced token: %+v", env.Error)
	}
	// Another user's challenge does not touch admin's token.
	token("portal")
	if env := login("admin", md5hex(t2+"k1")); !env.Success {
		t.Fatalf("new token: %+v", env.Error)
	}
	var lr map[string]string
	env := login("admin", md5hex(t2+"k1"))
	_ = json.Unmarshal(env.Result, &lr)
	if lr["userId"] != "19x1" || lr["version"] != "0.22" || lr["vtigerVersion"] != "8.4.0" || len(lr["sessionName"]) != 21 || lr["is_admin"] != "on" {
		t.Fatalf("login result %v", lr)
	}
	if env := login("nobody", md5hex(t2+"k1")); errCode(env) != "INVALID_AUTH_TOKEN" {
		t.Fatalf("unknown user: %+v", env.Error)
	}
	if env := c.call(http.MethodGet, "login", "username", "admin", "accessKey", md5hex(t2+"k1")); errCode(env) != "INVALID_AUTH_TOKEN" {
		t.Fatalf("login via GET: %+v", env.Error)
	}
	if got := s.Logins(); got != 4 {
		t.Fatalf("Logins %d, want 4", got)
	}
	c.sess = lr["sessionName"]
	if env := c.call(http.MethodGet, "retrieve", "id", "19x5"); !env.Success {
		t.Fatalf("second user record: %+v", env.Error)
	}
}

func TestSessions(t *testing.T) {
	s, c := newTestServer(t, Options{})
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "AUTHENTICATION_REQUIRED" {
		t.Fatalf("no session: %+v", env.Error)
	}
	c.sess = "null"
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "AUTHENTICATION_REQUIRED" {
		t.Fatalf("null session: %+v", env.Error)
	}
	c.sess = "0123456789abcdef01234"
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("unknown session: %+v", env.Error)
	}
	c.login("admin", DefaultAccessKey)
	if env := c.call(http.MethodGet, "logout"); errCode(env) != "OPERATION_NOT_SUPPORTED" {
		t.Fatalf("logout via GET: %+v", env.Error)
	}
	if env := c.call(http.MethodPost, "logout"); !env.Success || string(env.Result) != `{"message":"successfull"}` {
		t.Fatalf("logout: %s %+v", env.Result, env.Error)
	}
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("after logout: %+v", env.Error)
	}
	c.login("admin", DefaultAccessKey)
	s.ExpireSessions()
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("after ExpireSessions: %+v", env.Error)
	}
	for _, op := range []string{"frobnicate", "", "sync", "describe_partial"} {
		code, body, _ := c.do(http.MethodGet, url.Values{"operation": {op}})
		if code != http.StatusInternalServerError || body != "" {
			t.Fatalf("operation %q: %d %q", op, code, body)
		}
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	_, c := newTestServer(t, Options{SessionLifetime: time.Nanosecond})
	c.login("admin", DefaultAccessKey)
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("idle session must be gone: %+v", env.Error)
	}
	_, c2 := newTestServer(t, Options{SessionLifetime: time.Hour})
	c2.login("admin", DefaultAccessKey)
	if env := c2.call(http.MethodGet, "listtypes"); !env.Success {
		t.Fatalf("fresh session: %+v", env.Error)
	}
}

// TestSessionLock checks that calls on one session run one at a time (PHP's
// session file lock) while calls on different sessions overlap.
func TestSessionLock(t *testing.T) {
	for _, sameSession := range []bool{true, false} {
		name := "different sessions"
		if sameSession {
			name = "same session"
		}
		t.Run(name, func(t *testing.T) {
			s, c1 := newTestServer(t, Options{})
			c1.login("admin", DefaultAccessKey)
			c2 := &client{t: t, base: c1.base}
			if sameSession {
				c2.sess = c1.sess
			} else {
				c2.login("admin", DefaultAccessKey)
			}
			release := make(chan struct{})
			var inside, maxInside atomic.Int64
			entered := make(chan struct{}, 2)
			s.testHook = func(op string) {
				if op != "listtypes" {
					return
				}
				n := inside.Add(1)
				if n > maxInside.Load() {
					maxInside.Store(n)
				}
				entered <- struct{}{}
				<-release
				inside.Add(-1)
			}
			var wg sync.WaitGroup
			for _, c := range []*client{c1, c2} {
				wg.Go(func() { c.call(http.MethodGet, "listtypes") })
			}
			<-entered
			if sameSession {
				// Both requests are in the server; only one may be past the lock.
				for s.inflight.Load() < 2 {
					time.Sleep(time.Millisecond)
				}
				if got := inside.Load(); got != 1 {
					t.Fatalf("%d calls inside on one session", got)
				}
				release <- struct{}{}
				<-entered
				release <- struct{}{}
			} else {
				select {
				case <-entered:
				case <-time.After(10 * time.Second):
					t.Fatal("calls on different sessions did not overlap")
				}
				close(release)
			}
			wg.Wait()
			want := int64(2)
			if sameSession {
				want = 1
			}
			if maxInside.Load() != want {
				t.Fatalf("max concurrently inside %d, want %d", maxInside.Load(), want)
			}
			if s.MaxConcurrentSeen() < 2 {
				t.Fatalf("MaxConcurrentSeen %d", s.MaxConcurrentSeen())
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	p := url.Values{"operation": {"listtypes"}, "sessionName": {c.sess}}

	s.InjectFault(FaultHTTP500, 1)
	if code, body, _ := c.do(http.MethodGet, p); code != 500 || body != "" {
		t.Fatalf("HTTP500: %d %q", code, body)
	}
	s.InjectFault(FaultHTML, 1)
	if code, body, _ := c.do(http.MethodGet, p); code != 200 || !strings.Contains(body, "Fatal error") || json.Valid([]byte(body)) {
		t.Fatalf("HTML: %d %q", code, body)
	}
	s.InjectFault(FaultPHPNotice, 1)
	code, body, _ := c.do(http.MethodGet, p)
	i := strings.Index(body, "{")
	if code != 200 || !strings.HasPrefix(body, "<br />") || i < 0 || !json.Valid([]byte(body[i:])) {
		t.Fatalf("notice: %d %q", code, body)
	}
	if code, _, env := c.do(http.MethodGet, p); code != 200 || !env.Success {
		t.Fatalf("fault must not outlive its count: %+v", env.Error)
	}

	s.InjectFault(FaultTimeout, 1)
	ctx, cancel := context.WithCancel(context.Background())
	before := s.Calls()["listtypes"]
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"?"+p.Encode(), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	for s.Calls()["listtypes"] == before {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("timeout fault answered: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("timeout fault: %v", err)
	}

	s.InjectFault(FaultInvalidSession, 1)
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("invalid session fault: %+v", env.Error)
	}
	if env := c.call(http.MethodGet, "listtypes"); errCode(env) != "INVALID_SESSIONID" {
		t.Fatalf("the session must stay lost: %+v", env.Error)
	}
}

func TestCounters(t *testing.T) {
	s, c := newTestServer(t, Options{})
	// Two challenges in flight before either login: the login race the client must avoid.
	var tokens []string
	for range 2 {
		var r struct{ Token string }
		_ = json.Unmarshal(c.call(http.MethodGet, "getchallenge", "username", "admin").Result, &r)
		tokens = append(tokens, r.Token)
	}
	c.call(http.MethodPost, "login", "username", "admin", "accessKey", md5hex(tokens[0]+DefaultAccessKey))
	c.call(http.MethodPost, "login", "username", "admin", "accessKey", md5hex(tokens[1]+DefaultAccessKey))
	if got := s.ConcurrentLogins(); got != 2 {
		t.Fatalf("ConcurrentLogins %d, want 2", got)
	}
	if got := s.Logins(); got != 1 {
		t.Fatalf("Logins %d, want 1 (the first token was replaced)", got)
	}
	c.login("admin", DefaultAccessKey)
	c.call(http.MethodGet, "listtypes")
	c.call(http.MethodGet, "listtypes")
	calls := s.Calls()
	if calls["getchallenge"] != 3 || calls["login"] != 3 || calls["listtypes"] != 2 {
		t.Fatalf("calls %v", calls)
	}
	if s.ConcurrentLogins() != 2 {
		t.Fatalf("sequential logins raised ConcurrentLogins to %d", s.ConcurrentLogins())
	}
	s.ResetCounters()
	if len(s.Calls()) != 0 || s.Logins() != 0 || s.ConcurrentLogins() != 0 || s.MaxConcurrentSeen() != 0 {
		t.Fatalf("after reset: %v %d %d %d", s.Calls(), s.Logins(), s.ConcurrentLogins(), s.MaxConcurrentSeen())
	}
}

func TestMaxConcurrentQueues(t *testing.T) {
	s, c := newTestServer(t, Options{MaxConcurrent: 1})
	c.login("admin", DefaultAccessKey)
	c2 := &client{t: t, base: c.base}
	c2.login("admin", DefaultAccessKey)
	release := make(chan struct{})
	var inside, maxInside atomic.Int64
	s.testHook = func(string) {
		n := inside.Add(1)
		if n > maxInside.Load() {
			maxInside.Store(n)
		}
		<-release
		inside.Add(-1)
	}
	var wg sync.WaitGroup
	for _, cl := range []*client{c, c2} {
		wg.Go(func() { cl.call(http.MethodGet, "listtypes") })
	}
	for s.inflight.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	release <- struct{}{}
	release <- struct{}{}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Fatalf("%d calls ran at once with one worker", maxInside.Load())
	}
}

func TestRecordsRelationsFiles(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	acc, _ := s.Insert("Accounts", map[string]string{"accountname": "ACME"})
	contact, _ := s.Insert("Contacts", map[string]string{"lastname": "Doe", "account_id": acc})
	ticket, _ := s.Insert("HelpDesk", map[string]string{"ticket_title": "T", "ticketstatus": "Open", "ticketpriorities": "Low", "contact_id": contact})

	// Multipart create of a Document with its file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operation", "create")
	_ = mw.WriteField("sessionName", c.sess)
	_ = mw.WriteField("elementType", "Documents")
	_ = mw.WriteField("element", `{"notes_title":"Manual","assigned_user_id":"19x1","filelocationtype":"I","filestatus":"1"}`)
	fw, _ := mw.CreateFormFile("filename", "manual.txt")
	_, _ = fw.Write([]byte("hello manual"))
	_ = mw.Close()
	resp, err := http.Post(c.base, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	var doc map[string]any
	_ = json.Unmarshal(env.Result, &doc)
	if !env.Success || doc["filename"] != "manual.txt" || doc["filesize"] != "12" || doc["imageattachmentids"] == "" {
		t.Fatalf("document create: %s %+v", env.Result, env.Error)
	}
	docID := doc["id"].(string)

	env = c.call(http.MethodPost, "add_related", "sourceRecordId", ticket, "relatedRecordId", docID, "relationIdLabel", "Documents")
	if !env.Success {
		t.Fatalf("add_related: %+v", env.Error)
	}
	env = c.call(http.MethodGet, "retrieve_related", "id", ticket, "relatedType", "Documents", "relatedLabel", "Documents")
	var rows []map[string]any
	_ = json.Unmarshal(env.Result, &rows)
	if len(rows) != 1 || rows[0]["id"] != docID {
		t.Fatalf("retrieve_related: %s %+v", env.Result, env.Error)
	}
	env = c.call(http.MethodGet, "query_related", "id", ticket, "relatedLabel", "Documents", "query", "SELECT notes_title FROM Documents WHERE notes_title LIKE 'Man%'")
	_ = json.Unmarshal(env.Result, &rows)
	if len(rows) != 1 || rows[0]["notes_title"] != "Manual" {
		t.Fatalf("query_related: %s %+v", env.Result, env.Error)
	}
	env = c.call(http.MethodGet, "retrieve_related", "id", contact, "relatedType", "HelpDesk", "relatedLabel", "HelpDesk")
	_ = json.Unmarshal(env.Result, &rows)
	if len(rows) != 1 || rows[0]["id"] != ticket {
		t.Fatalf("dependent list via contact_id: %s %+v", env.Result, env.Error)
	}
	if env := c.call(http.MethodGet, "retrieve_related", "id", contact, "relatedType", "HelpDesk", "relatedLabel", "Tickets"); errCode(env) != "UNKOWN_ENTITY" {
		t.Fatalf("wrong label: %+v", env.Error)
	}

	env = c.call(http.MethodGet, "files_retrieve", "id", doc["imageattachmentids"].(string))
	var files []struct {
		Fileid, Filename, Filetype, Filecontents string
		Filesize                                 int
	}
	_ = json.Unmarshal(env.Result, &files)
	if len(files) != 1 || files[0].Filename != "manual.txt" || files[0].Filesize != 12 || files[0].Filecontents != "aGVsbG8gbWFudWFs" {
		t.Fatalf("files_retrieve: %s %+v", env.Result, env.Error)
	}
	if env := c.call(http.MethodGet, "files_retrieve", "id", docID); errCode(env) != "RECORD_NOT_FOUND" {
		t.Fatalf("files_retrieve with the document id: %+v", env.Error)
	}

	// update needs every mandatory field; revise does not.
	if env := c.call(http.MethodPost, "update", "element", `{"id":"`+ticket+`","ticketstatus":"Closed"}`); errCode(env) != "MANDATORY_FIELDS_MISSING" {
		t.Fatalf("partial update: %+v", env.Error)
	}
	full, _ := s.Get(ticket)
	full["ticketstatus"] = "Closed"
	b, _ := json.Marshal(full)
	if env := c.call(http.MethodPost, "update", "element", string(b)); !env.Success {
		t.Fatalf("full update: %+v", env.Error)
	}
	if got, _ := s.Get(ticket); got["ticketstatus"] != "Closed" || got["contact_id"] != contact {
		t.Fatalf("after update: %v", got)
	}
	if env := c.call(http.MethodPost, "delete", "id", ticket); string(env.Result) != `{"status":"successful"}` {
		t.Fatalf("delete: %s %+v", env.Result, env.Error)
	}
	if env := c.call(http.MethodGet, "retrieve", "id", ticket); errCode(env) != "ACCESS_DENIED" {
		t.Fatalf("retrieve deleted: %+v", env.Error)
	}

	// Inventory: line items with ids and recomputed totals.
	prod, _ := s.Insert("Products", map[string]string{"productname": "Widget", "unit_price": "10"})
	inv, _ := s.Insert("Invoice", map[string]string{"subject": "I1", "account_id": acc, "bill_street": "a", "ship_street": "b"})
	if err := s.SetLineItems(inv, []map[string]string{{"productid": prod, "quantity": "3"}}); err != nil {
		t.Fatal(err)
	}
	var invRec struct {
		HdnGrandTotal string `json:"hdnGrandTotal"`
		Productid     string `json:"productid"`
		LineItems     []map[string]any
	}
	env = c.call(http.MethodGet, "retrieve", "id", inv)
	_ = json.Unmarshal(env.Result, &invRec)
	if invRec.HdnGrandTotal != "30.00000000" || invRec.Productid != prod || len(invRec.LineItems) != 1 ||
		invRec.LineItems[0]["product_name"] != "Widget" || !strings.HasPrefix(invRec.LineItems[0]["id"].(string), "33x") {
		t.Fatalf("invoice: %s", env.Result)
	}
	if env := c.call(http.MethodPost, "create", "elementType", "Invoice", "element",
		`{"subject":"x","account_id":"`+acc+`","bill_street":"a","ship_street":"b","assigned_user_id":"19x1","productid":"`+prod+`","LineItems":[{"productid":"`+prod+`","quantity":"1"}]}`); errCode(env) != "INVALID_ID_ATTRIBUTE" {
		t.Fatalf("8.4 inventory create bug: %+v", env.Error)
	}
}

func TestCustomModuleAndField(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	desc := `{"label":"Widgets","name":"Widgets","createable":true,"updateable":true,"deleteable":true,"retrieveable":true,
"fields":[{"name":"widgetname","label":"Name","mandatory":true,"type":{"name":"string"},"editable":true},
{"name":"assigned_user_id","label":"Assigned To","mandatory":true,"type":{"name":"owner"},"editable":true},
{"name":"id","label":"widgetid","mandatory":false,"type":{"name":"autogenerated"},"editable":false}],
"idPrefix":"77","isEntity":true,"labelFields":"widgetname"}`
	if err := s.AddModule(ModuleMeta{Name: "Widgets", Describe: []byte(desc), NumberField: "", NumberPrefix: ""}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddModule(ModuleMeta{Name: "Widgets", Describe: []byte(desc)}); err == nil {
		t.Fatal("duplicate module accepted")
	}
	if err := s.AddField("HelpDesk", []byte(`{"name":"cf_901","label":"Contract ref","mandatory":false,"type":{"name":"string"},"editable":true}`)); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Fields []struct{ Name string }
	}
	_ = json.Unmarshal(c.call(http.MethodGet, "describe", "elementType", "HelpDesk").Result, &d)
	if n := len(d.Fields); n < 2 || d.Fields[n-2].Name != "cf_901" || d.Fields[n-1].Name != "id" {
		t.Fatalf("custom field placement: %v", d.Fields)
	}
	env := c.call(http.MethodPost, "create", "elementType", "Widgets", "element", `{"widgetname":"W1","assigned_user_id":"19x1"}`)
	var w map[string]any
	_ = json.Unmarshal(env.Result, &w)
	if !env.Success || !strings.HasPrefix(w["id"].(string), "77x") || w["label"] != "W1" {
		t.Fatalf("custom module create: %s %+v", env.Result, env.Error)
	}
	env = c.call(http.MethodGet, "query", "query", "SELECT cf_901 FROM HelpDesk WHERE cf_901 = 'x';")
	if !env.Success {
		t.Fatalf("query custom field: %+v", env.Error)
	}
	if env := c.call(http.MethodPost, "create", "elementType", "Widgets", "element", `{"widgetname":"W2","assigned_user_id":"19x99"}`); errCode(env) != "ACCESS_DENIED" {
		t.Fatalf("unknown owner: %+v", env.Error)
	}
}

func TestNonAdminProfile(t *testing.T) {
	s, c := newTestServer(t, Options{Users: map[string]string{"admin": "a", "bot": "b"}})
	id, _ := s.Insert("HelpDesk", map[string]string{"ticket_title": "T", "ticketstatus": "Open", "ticketpriorities": "Low"})
	c.login("bot", "b")
	if env := c.call(http.MethodGet, "retrieve", "id", id); !env.Success {
		t.Fatalf("read: %+v", env.Error)
	}
	if env := c.call(http.MethodGet, "describe", "elementType", "Users"); errCode(env) != "ACCESS_DENIED" {
		t.Fatalf("describe Users: %+v", env.Error)
	}
	if env := c.call(http.MethodPost, "revise", "element", `{"id":"`+id+`","ticketstatus":"Closed"}`); errCode(env) != "ACCESS_DENIED" || env.Error.Message != "Permission to write is denied" {
		t.Fatalf("write: %+v", env.Error)
	}
}

func TestControlCharactersUnescaped(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	id, _ := s.Insert("Contacts", map[string]string{"lastname": "Ctrl\x01Char", "description": "a/b é"})
	_, body, _ := c.do(http.MethodGet, url.Values{"operation": {"retrieve"}, "sessionName": {c.sess}, "id": {id}})
	if !strings.Contains(body, "Ctrl\x01Char") || !strings.Contains(body, `"a/b é"`) || json.Valid([]byte(body)) {
		t.Fatalf("body %q", body)
	}
}
