package vtigersim

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// client is a minimal webservice.php caller for the tests.
type client struct {
	t    testing.TB
	base string
	sess string
}

type envelope struct {
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func newTestServer(t testing.TB, opts Options) (*Server, *client) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, &client{t: t, base: ts.URL + "/webservice.php"}
}

func (c *client) do(method string, params url.Values) (int, string, envelope) {
	c.t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = http.Get(c.base + "?" + params.Encode())
	} else {
		resp, err = http.PostForm(c.base, params)
	}
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env envelope
	if resp.StatusCode == 200 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		// Bodies with PHP notices or raw control bytes stay undecoded; callers inspect the text.
		_ = json.Unmarshal(body, &env)
	}
	return resp.StatusCode, string(body), env
}

func (c *client) call(method, op string, kv ...string) envelope {
	c.t.Helper()
	p := url.Values{"operation": {op}}
	if c.sess != "" {
		p.Set("sessionName", c.sess)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	_, _, env := c.do(method, p)
	return env
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (c *client) login(user, key string) {
	c.t.Helper()
	env := c.call(http.MethodGet, "getchallenge", "username", user)
	var ch struct{ Token string }
	if !env.Success || json.Unmarshal(env.Result, &ch) != nil {
		c.t.Fatalf("getchallenge: %+v", env)
	}
	c.sess = ""
	env = c.call(http.MethodPost, "login", "username", user, "accessKey", md5hex(ch.Token+key))
	var lr struct{ SessionName string }
	if !env.Success || json.Unmarshal(env.Result, &lr) != nil {
		c.t.Fatalf("login: %+v", env)
	}
	c.sess = lr.SessionName
}

func errCode(env envelope) string {
	if env.Error == nil {
		return ""
	}
	return env.Error.Code
}

func TestBasicFlow(t *testing.T) {
	s, c := newTestServer(t, Options{})
	c.login("admin", DefaultAccessKey)
	acc, err := s.Insert("Accounts", map[string]string{"accountname": "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	env := c.call(http.MethodPost, "create", "elementType", "HelpDesk", "element",
		`{"ticket_title":"Printer","ticketstatus":"Open","ticketpriorities":"Low","assigned_user_id":"19x1","parent_id":"`+acc+`"}`)
	if !env.Success {
		t.Fatalf("create: %+v", env.Error)
	}
	var rec map[string]any
	_ = json.Unmarshal(env.Result, &rec)
	id, _ := rec["id"].(string)
	if !strings.HasPrefix(id, "17x") || rec["ticket_no"] != "TT1" || rec["source"] != "WEBSERVICE" || rec["label"] != "Printer" {
		t.Fatalf("created record: %v", rec)
	}
	env = c.call(http.MethodGet, "query", "query", "SELECT ticket_title FROM HelpDesk WHERE parent_id='"+acc+"';")
	var rows []map[string]any
	_ = json.Unmarshal(env.Result, &rows)
	if len(rows) != 1 || rows[0]["id"] != id || rows[0]["ticket_title"] != "Printer" {
		t.Fatalf("query: %s %+v", env.Result, env.Error)
	}
	env = c.call(http.MethodPost, "revise", "element", `{"id":"`+id+`","ticketstatus":"Closed"}`)
	_ = json.Unmarshal(env.Result, &rec)
	if rec["ticketstatus"] != "Closed" || rec["ticket_title"] != "Printer" {
		t.Fatalf("revise: %v %+v", rec, env.Error)
	}
}
