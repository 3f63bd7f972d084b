package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// chromiumPath finds Debian's chromium. In CI (CI=true) a missing browser
// fails the test, since .ci/run installs it; elsewhere it skips, saying why.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: .ci/run installs Debian's chromium (apt-get install chromium) for this test")
	}
	t.Skip("chromium is not installed (apt-get install chromium); the browser test runs in CI")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile and returns a
// tab context; everything stops when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a tiny /dev/shm
		chromedp.UserDataDir(profileDir(t)),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	tab, tcancel := chromedp.NewContext(actx)
	t.Cleanup(tcancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return tab
}

// profileDir is a fresh --user-data-dir. Chromium's helper processes may
// still write into it for a moment after the browser stops, so removal is
// retried instead of failing the test like t.TempDir would.
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "portal-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the chromium profile %s", dir)
	})
	return dir
}

// visit opens url and returns the JSON the page wrote into #result once it
// marked it done.
func visit(t *testing.T, tab context.Context, url string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(`#result[data-done="1"]`)); err != nil {
		t.Fatalf("browsing %s: %v", url, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`#result`))
	if err != nil {
		t.Fatalf("%s: reading #result: %v", url, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatalf("%s: reading the title: %v", url, err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("%s: page result %q: %v", url, text, err)
	}
	out["title"] = title
	if e, ok := out["error"]; ok {
		t.Logf("%s: page reported %v", url, e)
	}
	return out
}

// crossOriginPage is served by another origin: it calls the portal's API
// with a bearer token, which makes the browser send a CORS preflight.
const crossOriginPage = `<!doctype html><html><head><title>other origin</title></head><body><pre id="result"></pre>
<script>
const out = {};
const api = new URLSearchParams(location.search).get('api');
fetch(api + '/api/v1/users/my', { headers: { Authorization: 'Bearer not-a-real-token' } })
  .then(async (r) => { out.status = r.status; out.body = await r.json(); })
  .catch((e) => { out.error = String(e); })
  .finally(() => { const el = document.getElementById('result'); el.textContent = JSON.stringify(out); el.dataset.done = '1'; });
</script></body></html>`

func pageServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, crossOriginPage)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// enableOTP turns two-factor login on for email and returns one recovery
// code (a TOTP code of the current step is used up by the verify itself).
func enableOTP(t *testing.T, base, email string) string {
	t.Helper()
	token := apiLogin(t, base, email)
	var key struct{ Base32 string }
	if code := apiCall(t, "GET", base+"/otp/generate", token, nil, &key); code != http.StatusCreated {
		t.Fatalf("otp generate: %d", code)
	}
	code, err := totp.GenerateCode(key.Base32, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var user struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if st := apiCall(t, "PATCH", base+"/otp/verify", token, map[string]string{"token": code}, &user); st != http.StatusAccepted || len(user.RecoveryCodes) == 0 {
		t.Fatalf("otp verify: %d, %d recovery codes", st, len(user.RecoveryCodes))
	}
	return user.RecoveryCodes[0]
}

func apiLogin(t *testing.T, base, email string) string {
	t.Helper()
	var res struct{ Token string }
	if code := apiCall(t, "POST", base+"/users/login", "", map[string]string{"email": email, "password": vtigersim.DemoPassword}, &res); code != http.StatusCreated {
		t.Fatalf("login %s: %d", email, code)
	}
	return res.Token
}

func apiCall(t *testing.T, method, url, token string, body, out any) int {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestServingContractInABrowser drives chromium against a demo portal that
// serves the fixture SPA itself and trusts one other origin.
func TestServingContractInABrowser(t *testing.T) {
	tab := newBrowser(t)
	trusted, untrusted := pageServer(t), pageServer(t)
	spa, err := filepath.Abs("testdata/spa")
	if err != nil {
		t.Fatal(err)
	}
	p := apptest.Start(t, func(c *config.Config, _ *app.Options) {
		c.HTTP.StaticDir = spa
		c.CORS.TrustedOrigins = []string{trusted.URL}
	})
	origin := p.URL()
	base := origin + "/api/v1"

	t.Run("same-origin SPA", func(t *testing.T) {
		out := visit(t, tab, origin+"/")
		if out["title"] != "portal fixture SPA" || out["path"] != "/" {
			t.Fatalf("index: %v", out)
		}
		if out["ping"] != float64(200) {
			t.Fatalf("same-origin /api/v1/ping from the page: %v", out["ping"])
		}
		// An unknown API path stays a JSON 404, never the SPA's index.html.
		if out["apiMissing"] != float64(404) || !strings.HasPrefix(fmt.Sprint(out["apiMissingType"]), "application/json") {
			t.Fatalf("unknown API route: %v %v", out["apiMissing"], out["apiMissingType"])
		}
	})

	t.Run("deep link falls back to index.html", func(t *testing.T) {
		out := visit(t, tab, origin+"/app/tickets/17x42?tab=comments")
		if out["title"] != "portal fixture SPA" || out["path"] != "/app/tickets/17x42" || out["ping"] != float64(200) {
			t.Fatalf("deep link: %v", out)
		}
	})

	t.Run("two-factor login through the OTP cookie", func(t *testing.T) {
		code := enableOTP(t, base, "ben@globex.example")
		q := url.Values{"email": {"ben@globex.example"}, "password": {vtigersim.DemoPassword}, "code": {code}}
		out := visit(t, tab, origin+"/auth/login?"+q.Encode())
		want := map[string]any{
			"login": float64(201), "otpEnabled": true,
			"cookieReadable": false,        // HttpOnly: scripts never see the login token in a cookie
			"pending":        float64(403), // the token is OTP-pending until validated
			"validate":       float64(202), // PATCH /otp/validate without Authorization, by the cookie alone
			"after":          float64(200),
			"validateAgain":  float64(401), // the answer cleared the cookie
		}
		for k, v := range want {
			if out[k] != v {
				t.Errorf("%s = %v, want %v (page result %v)", k, out[k], v, out)
			}
		}
	})

	t.Run("CORS preflight from a trusted origin", func(t *testing.T) {
		out := visit(t, tab, trusted.URL+"/?api="+url.QueryEscape(origin))
		// The bearer header needs a preflight; once it passes, the page can
		// read the real answer (401 for the made-up token).
		if out["status"] != float64(401) {
			t.Fatalf("trusted origin: %v", out)
		}
		if !strings.Contains(p.Logs.String(), "method=OPTIONS") {
			t.Fatal("the browser sent no preflight (no OPTIONS in the access log)")
		}
	})

	t.Run("CORS preflight from an untrusted origin", func(t *testing.T) {
		out := visit(t, tab, untrusted.URL+"/?api="+url.QueryEscape(origin))
		if _, failed := out["error"]; !failed || out["status"] != nil {
			t.Fatalf("untrusted origin read the API: %v", out)
		}
	})
}
