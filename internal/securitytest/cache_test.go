package securitytest

import (
	"net/http"
	"strings"
	"testing"
)

// TestWarmCacheKeepsCustomersApart: with every list and dashboard read
// cached for Anna (Acme) — fresh, then stale — Ben's (Globex) reads of the
// same routes with the same parameters never return Acme's rows.
// Customer reads are kept per account and contact; this proves a key can
// never serve another customer.
func TestWarmCacheKeepsCustomersApart(t *testing.T) {
	p := start(t, options{})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	var paths []string
	for _, rt := range specRoutes(t) {
		if rt.Method != http.MethodGet || rt.Public || strings.Contains(rt.Path, "{") ||
			strings.HasPrefix(rt.Path, "/users/logout") {
			continue
		}
		for _, q := range []string{"", "?page=1&size=100", "?size=5&sort=-createdtime"} {
			paths = append(paths, rt.Path+q)
		}
	}
	// Related lists under each customer's own records share route shapes.
	paths = append(paths, "/projects/"+v.benProject+"/tasks", "/projects/"+v.project+"/tasks",
		"/tickets/"+v.benTick+"/comments", "/tickets/"+v.ticket+"/comments")
	if len(paths) < 30 {
		t.Fatalf("only %d list reads found in the spec", len(paths))
	}
	for round := range 2 { // the second round reads what the first cached
		annaOK := 0
		for _, path := range paths {
			if r := p.do(t, req{Method: http.MethodGet, Path: path, Token: v.token}); r.Status == 200 {
				annaOK++
			}
		}
		if annaOK < len(paths)/2 {
			t.Fatalf("round %d: Anna read only %d of %d lists; the cache is not warm", round, annaOK, len(paths))
		}
		for _, path := range paths {
			r := p.do(t, req{Method: http.MethodGet, Path: path, Token: ben})
			if r.Status/100 != 2 {
				continue // Anna's record ids: 404 (the matrix checks the status)
			}
			if m := v.leaksVictim(r.Body); m != "" {
				t.Errorf("round %d: Ben GET %s with Anna's cache warm shows Acme's %s: %s", round, path, m, clip(r.Body))
			}
		}
	}
}
