package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// crmTestAuth is the one test double at the auth boundary: fixed tokens
// map to sessions (the real authenticator is tested with the accounts
// routes).
type crmTestAuth map[string]*domain.Session

func (a crmTestAuth) Authenticate(_ context.Context, token string) (*domain.Session, error) {
	if s, ok := a[token]; ok {
		return s, nil
	}
	return nil, &domain.Error{Code: domain.EUNAUTHORIZED, Message: "invalid token"}
}

// crmMailRecorder collects queued mails.
type crmMailRecorder struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (m *crmMailRecorder) Enqueue(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

type crmEnv struct {
	t      *testing.T
	sim    *vtigersim.Server
	demo   *vtigersim.Demo
	vt     *httptest.Server
	api    *httptest.Server
	svc    *records.Engine
	mails  *crmMailRecorder
	cfg    config.Config
	soloID string // a portal contact without an organisation
}

const crmUploadLimit = 64 << 10

// crmAssetsCustomField is a custom field added to Assets only in the
// simulator's describe and the portal config.
var crmAssetsCustomField = []byte(`{"name":"cf_901","label":"Warranty months","mandatory":false,"type":{"name":"integer"},"isunique":false,"nullable":true,"editable":true,"default":""}`)

func newCRMEnv(t *testing.T, mutate ...func(*config.Config)) *crmEnv {
	t.Helper()
	crm := vtigertest.Sim(t)
	sim, demo := crm.Sim, crm.Demo
	if err := sim.AddField("Assets", crmAssetsCustomField); err != nil {
		t.Fatal(err)
	}
	solo, err := sim.Insert("Contacts", map[string]string{"firstname": "Sam", "lastname": "Solo", "email": "sam@solo.example", "portal": "1"})
	if err != nil {
		t.Fatal(err)
	}
	client := crm.Client(t, func(c *vtiger.Config) {
		c.Logger = slog.New(slog.DiscardHandler)
		c.PoolSize, c.Timeout, c.RetryBackoff, c.MaxRetries = 4, time.Second, time.Millisecond, 1
	})

	cfg := config.Default()
	cfg.Limiter.Enabled = false
	cfg.HTTP.MaxUploadBytes = crmUploadLimit
	cfg.HTTP.MaxBodyBytes = 1 << 20
	cfg.Email.SendTicketEmail = true
	cfg.Domain = "https://portal.example"
	b := &cfg.Vtiger.Business
	b.CompanyID = demo.CompanyID
	b.DefaultUser = demo.ManagerUserID
	b.DefaultPagination = 20
	b.MaxPageSize = 100
	b.Company = map[string]string{"inn": "7700000000", "bankname": "Demo Bank"}
	b.CustomModules = map[string][]string{"Assets": {"asset_no", "assetname", "serialnumber", "assetstatus", "datesold", "dateinservice", "product", "cf_901"}}
	b.Tickets.CustomerStatuses = []string{"Open", "Closed"}
	for _, m := range mutate {
		m(&cfg)
	}
	mails := &crmMailRecorder{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := records.New(client, cfg, mails, logger)
	if err != nil {
		t.Fatal(err)
	}
	sess := func(contact, account, email, first, last string) *domain.Session {
		return &domain.Session{Customer: domain.Customer{UserID: 1, ContactID: contact, AccountID: account, Email: email, FirstName: first, LastName: last}}
	}
	auth := crmTestAuth{
		"anna": sess(demo.Contacts["anna"], demo.Accounts["acme"], "anna@acme.example", "Anna", "Becker"),
		"carl": sess(demo.Contacts["carl"], demo.Accounts["acme"], "carl@acme.example", "Carl", "Jensen"),
		"ben":  sess(demo.Contacts["ben"], demo.Accounts["globex"], "ben@globex.example", "Ben", "Fischer"),
		"solo": sess(solo, "", "sam@solo.example", "Sam", "Solo"),
	}
	srv := New(Deps{Config: cfg, Logger: logger, Auth: auth, CRM: EngineCRM(svc)})
	api := httptest.NewServer(srv)
	t.Cleanup(api.Close)
	return &crmEnv{t: t, sim: sim, demo: demo, vt: crm.Server, api: api, svc: svc, mails: mails, cfg: cfg, soloID: solo}
}

// crmResp is a decoded answer.
type crmResp struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (r crmResp) data() map[string]any {
	d, _ := r.Body["data"].(map[string]any)
	return d
}

func (r crmResp) list() []map[string]any {
	items, _ := r.Body["data"].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (e *crmEnv) do(token, method, path string, body any) crmResp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.api.URL+"/api/v1"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(token, req)
}

func (e *crmEnv) send(token string, req *http.Request) crmResp {
	e.t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := crmResp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out.Body)
	}
	return out
}

func (e *crmEnv) upload(token, path, filename string, content []byte) crmResp {
	e.t.Helper()
	form, ct := testutil.FileForm(e.t, filename, content)
	req, err := http.NewRequest(http.MethodPost, e.api.URL+"/api/v1"+path, bytes.NewReader(form))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	return e.send(token, req)
}

// simGet reads a record straight from the simulator store.
func (e *crmEnv) simGet(id string) map[string]string {
	e.t.Helper()
	r, ok := e.sim.Get(id)
	if !ok {
		e.t.Fatalf("simulator has no record %s", id)
	}
	return r
}
