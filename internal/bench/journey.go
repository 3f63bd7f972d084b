package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client talks to the running portal over real HTTP, as the frontend does.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string, conns int) *client {
	// A transport of our own, sized for the load phase's customers.
	tr := &http.Transport{MaxIdleConns: conns + 8, MaxIdleConnsPerHost: conns + 8, IdleConnTimeout: time.Minute}
	return &client{base: strings.TrimRight(base, "/") + "/api/v1", hc: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// result is one answered request.
type result struct {
	status int
	body   []byte
	err    error
}

func (c *client) do(ctx context.Context, method, path, token string, body any) result {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return result{err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return result{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: b, err: err}
}

func (r result) ok() bool { return r.err == nil && r.status >= 200 && r.status < 300 }

// problem describes a failed request in one short line.
func (r result) problem() string {
	if r.err != nil {
		return r.err.Error()
	}
	b := r.body
	if len(b) > 160 {
		b = b[:160]
	}
	return strings.TrimSpace(string(b))
}

// login returns a bearer token.
func (c *client) login(ctx context.Context, email, password string) (string, result) {
	r := c.do(ctx, http.MethodPost, "/users/login", "", map[string]string{"email": email, "password": password})
	if !r.ok() {
		return "", r
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || out.Token == "" {
		r.err = fmt.Errorf("login answered without a token: %s", r.problem())
		return "", r
	}
	return out.Token, r
}

// listIDs returns the ids of a `{data: [...]}` answer.
func listIDs(body []byte) []string {
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &out) != nil {
		return nil
	}
	ids := make([]string, 0, len(out.Data))
	for _, d := range out.Data {
		ids = append(ids, d.ID)
	}
	return ids
}

// listLen is the number of rows of a `{data: [...]}` answer (-1: not a list).
func listLen(body []byte) int {
	var out struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &out) != nil || out.Data == nil {
		return -1
	}
	return len(out.Data)
}

// customer is one logged-in portal user and the records its journey opens.
type customer struct {
	email, token string
	account      string // demo account key
	// Record ids for the detail requests: taken from the list answers, as
	// the frontend does, falling back to the seeded ids.
	ticket, invoice, project string
}

// step is one request of the journey; path may contain {ticket},
// {invoice} and {project}.
type step struct {
	name, path string
	// pick, when set, takes the id for later steps from this step's answer.
	pick func(c *customer, ids []string)
}

// journeySteps is what the frontend requests from login to a project, in
// order (after POST /users/login).
var journeySteps = []step{
	{name: "users/my", path: "/users/my"},
	{name: "company", path: "/company/"},
	{name: "statistics", path: "/statistics/"},
	{name: "users/all", path: "/users/all"},
	{name: "products", path: "/products/?page=1&size=5"},
	{name: "faqs/starred", path: "/faqs/starred"},
	{name: "tickets", path: "/tickets/?page=1&size=10&sort=-ticket_no", pick: func(c *customer, ids []string) { c.ticket = ids[0] }},
	{name: "ticket", path: "/tickets/{ticket}"},
	{name: "ticket comments", path: "/tickets/{ticket}/comments"},
	{name: "ticket documents", path: "/tickets/{ticket}/documents"},
	{name: "modules/HelpDesk", path: "/modules/HelpDesk"},
	{name: "invoices", path: "/invoices/?page=1&size=10", pick: func(c *customer, ids []string) { c.invoice = ids[0] }},
	{name: "invoice", path: "/invoices/{invoice}"},
	{name: "projects", path: "/projects/", pick: func(c *customer, ids []string) { c.project = ids[0] }},
	{name: "project", path: "/projects/{project}"},
}

func (c *customer) expand(path string) string {
	return strings.NewReplacer("{ticket}", c.ticket, "{invoice}", c.invoice, "{project}", c.project).Replace(path)
}

// runStep performs one journey step for cu and remembers picked ids.
func runStep(ctx context.Context, cl *client, cu *customer, s step) (string, result) {
	path := cu.expand(s.path)
	r := cl.do(ctx, http.MethodGet, path, cu.token, nil)
	if s.pick != nil && r.ok() {
		if ids := listIDs(r.body); len(ids) > 0 && ids[0] != "" {
			s.pick(cu, ids)
		}
	}
	return path, r
}

// meter measures what one portal request cost in Vtiger terms; it is only
// meaningful while nothing else talks to the portal.
type meter struct {
	h *harness
}

type mark struct {
	at     time.Time
	calls  map[string]int64
	logins int64
	tap    tapStats
}

func (m meter) mark() mark {
	return mark{at: time.Now(), calls: m.h.app.Sim.Calls(), logins: m.h.app.Sim.Logins(), tap: m.h.tap.stats()}
}

// journey runs login (when password is set) and every step for cu,
// measuring each request.
func (h *harness) journey(ctx context.Context, cu *customer, password string) Journey {
	var j Journey
	me := meter{h}
	h.tap.setTracing(true)
	defer h.tap.setTracing(false)
	record := func(name, method, path string, before mark, r result) {
		after := me.mark()
		ops := diffOps(before.calls, after.calls)
		lat := after.at.Sub(before.at)
		vt := after.tap.busy - before.tap.busy
		st := Step{Name: name, Method: method, Path: path, Status: r.status, Latency: ms(lat), VtigerTime: ms(vt),
			Overhead: ms(lat - vt), Calls: sumOps(ops), CallsByOp: ops, Trace: h.tap.takeTrace()}
		if !r.ok() {
			st.Error = r.problem()
			j.Failed++
		}
		j.Steps = append(j.Steps, st)
		j.Calls += st.Calls
		j.CallsByOp = addOps(j.CallsByOp, ops)
		j.Latency += st.Latency
		j.VtigerTime += st.VtigerTime
		j.Logins += after.logins - before.logins
	}
	if password != "" {
		h.tap.takeTrace() // calls before this request belong to nobody
		before := me.mark()
		tok, r := h.cl.login(ctx, cu.email, password)
		record("login", http.MethodPost, "/users/login", before, r)
		if tok != "" {
			cu.token = tok
		}
	}
	for _, s := range journeySteps {
		h.tap.takeTrace()
		before := me.mark()
		path, r := runStep(ctx, h.cl, cu, s)
		record(s.name, http.MethodGet, path, before, r)
	}
	if j.CallsByOp == nil {
		j.CallsByOp = map[string]int64{}
	}
	return j
}
