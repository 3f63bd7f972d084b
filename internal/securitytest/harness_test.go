package securitytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

type portal struct {
	*apptest.Portal
	base string // .../api/v1
}

type options struct {
	payments bool
	mutate   func(*config.Config)
}

// start runs the whole portal in demo mode on a random port against its
// own database, with the Assets custom module enabled so its routes are
// attacked too.
func start(t *testing.T, o options) *portal {
	t.Helper()
	var stripeURL string
	if o.payments {
		stripeURL = stripemock.Start(t)
	}
	p := apptest.Start(t, func(cfg *config.Config, _ *app.Options) {
		// The suite logs in often from one IP; the per-IP auth limit has its own test.
		cfg.Limiter.AuthPerMinute = 100000
		cfg.Vtiger.Business.CustomModules = map[string][]string{"Assets": {"assetname", "serialnumber", "assetstatus", "tagnumber", "product", "datesold", "dateinservice", "invoiceid", "account"}}
		if o.payments {
			cfg.Payment.Enabled = true
			cfg.Payment.StripeKey = "sk_test_123"
			cfg.Payment.StripePublic = "pk_test_123"
			cfg.Payment.WebhookSecret = "whsec_test"
			cfg.Payment.StripeURL = stripeURL
		}
		if o.mutate != nil {
			o.mutate(cfg)
		}
	})
	return &portal{Portal: p, base: p.URL() + "/api/v1"}
}

// resp is one answer, body kept raw.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %q", clip(r.Body))
	}
	return m
}

func clip(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// req is one request to send.
type req struct {
	Method, Path string // Path is relative to /api/v1 unless it starts with http
	Token        string
	Body         any    // marshalled as JSON unless []byte or string
	ContentType  string // defaults to application/json when Body is set
	Header       map[string]string
}

// do sends rq and applies the checks every answer of the suite must pass:
// never a 500, errors are JSON with a message and leak no internals.
func (p *portal) do(t *testing.T, rq req) resp {
	t.Helper()
	url := rq.Path
	if !strings.HasPrefix(url, "http") {
		url = p.base + rq.Path
	}
	var rd io.Reader
	ct := rq.ContentType
	switch b := rq.Body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	if rd != nil && ct == "" {
		ct = "application/json"
	}
	hr, err := http.NewRequest(rq.Method, url, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.Method, url, err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if rq.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	for k, v := range rq.Header {
		hr.Header.Set(k, v)
	}
	hres, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.Method, url, err)
	}
	defer hres.Body.Close()
	body, _ := io.ReadAll(hres.Body)
	r := resp{Status: hres.StatusCode, Header: hres.Header, Body: body}
	checkAnswer(t, rq.Method+" "+rq.Path, r)
	return r
}

// leakMarkers must never appear in an error body: VTQL, CRM error codes,
// database and Go internals, credentials.
var leakMarkers = []string{"SELECT", "FROM ", "ACCESS_DENIED", "pgx", "goroutine", ".go:", "sessionName",
	"accessKey", "webservice.php", "INVALID_", "panic", "SQLSTATE", vtigersim.DefaultAccessKey}

func checkAnswer(t *testing.T, what string, r resp) {
	t.Helper()
	// 503 is a feature switched off by configuration; any other 5xx is
	// attacker input reaching a crash path or Vtiger.
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d %s", what, r.Status, clip(r.Body))
	}
	if r.Status < 400 {
		return
	}
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Message == "" {
		t.Errorf("%s: %d error body is not JSON with a message: %q", what, r.Status, clip(r.Body))
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: %d error Content-Type %q", what, r.Status, r.Header.Get("Content-Type"))
	}
	for _, m := range leakMarkers {
		if strings.Contains(string(r.Body), m) {
			t.Errorf("%s: error body leaks %q: %s", what, m, clip(r.Body))
		}
	}
}

func (p *portal) login(t *testing.T, email string) string {
	t.Helper()
	r := p.do(t, req{Method: "POST", Path: "/users/login", Body: map[string]string{"email": email, "password": vtigersim.DemoPassword}})
	if r.Status != http.StatusCreated {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	tok, _ := r.JSON(t)["token"].(string)
	if tok == "" {
		t.Fatalf("login %s: no token", email)
	}
	return tok
}

// route is one operation of the published API.
type route struct {
	Method, Path string
	Public       bool // no security requirement in the spec
}

// specRoutes reads every operation of documents/swagger.json.
func specRoutes(t *testing.T) []route {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "documents", "swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]struct {
			Security []map[string]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	var out []route
	for path, ops := range spec.Paths {
		for method, op := range ops {
			out = append(out, route{Method: strings.ToUpper(method), Path: path, Public: len(op.Security) == 0})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	if len(out) < 80 {
		t.Fatalf("spec has only %d operations", len(out))
	}
	return out
}
