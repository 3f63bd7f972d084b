package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
)

// The case: a create whose client timed out was applied anyway,
// and its retry made a second record. With an Idempotency-Key the first
// request runs to its end although its client is gone; the retry with the
// same key and body gets the same record back (marked replayed), a retry
// while the first still runs is 409, another body under the key is 422,
// and Vtiger holds exactly one new record.
func TestIdempotencyKeyRetryAfterTimedOutCreateMakesOneRecord(t *testing.T) {
	// The create is held at the Vtiger client until the test has seen the
	// retry refused: "still running" does not depend on a latency
	// outlasting a loaded machine.
	gate := newVtigerGate("create")
	s := apptest.Start(t, func(_ *config.Config, o *app.Options) { o.Test.VtigerHTTPClient = gate.Client() })
	defer gate.Open()
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	body := []byte(`{"ticket_title":"Printer on fire","description":"third floor","ticketpriorities":"High"}`)
	post := func(ctx context.Context, key string, b []byte) (*http.Response, map[string]any, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/tickets", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp, m, nil
	}

	// The client times out while its create is on the way to Vtiger.
	creates := s.Sim.Calls()["create"]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	first := make(chan error, 1)
	go func() { _, _, err := post(ctx, "key-1", body); first <- err }()
	select {
	case <-gate.entered:
	case err := <-first:
		t.Fatalf("first request answered (%v) before its create reached Vtiger", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the first request's create never reached Vtiger")
	}
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first request: err %v, want the client giving up", err)
	}

	// A retry while the first still runs is refused.
	resp, got, err := post(context.Background(), "key-1", body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusConflict || got["field"] != "Idempotency-Key" {
		t.Fatalf("retry while the first request runs: %d %v, want 409 on Idempotency-Key", resp.StatusCode, got)
	}
	gate.Open()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, got, err = post(context.Background(), "key-1", body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusConflict {
			break
		}
		if got["field"] != "Idempotency-Key" {
			t.Fatalf("409 while the first runs: %v", got)
		}
		if time.Now().After(deadline) {
			t.Fatal("the first request never finished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d replayed=%q %v; want the first answer, replayed", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), got)
	}
	id, _ := got["id"].(string)
	rec, ok := s.Sim.Get(id)
	if !ok || rec["ticket_title"] != "Printer on fire" {
		t.Fatalf("replayed id %q is not the created ticket: %v", id, rec)
	}
	if n := s.Sim.Calls()["create"] - creates; n != 1 {
		t.Fatalf("%d create calls reached Vtiger, want exactly 1", n)
	}

	// The replay came from storage: the trail holds one create, not two.
	// The first request files its entry just after its answer is stored,
	// so the retry can be answered a moment before the entry is there;
	// the replay itself files none.
	trailCount := func() (int, map[string]any) {
		code, trail := apptest.Call(t, "GET", base+"/activity?record="+id, token, nil)
		if code != 200 {
			t.Fatalf("activity of the created ticket: %d %v", code, trail)
		}
		n, _ := trail["count"].(float64)
		return int(n), trail
	}
	n, trail := trailCount()
	for wait := time.Now().Add(15 * time.Second); n == 0 && time.Now().Before(wait); n, trail = trailCount() {
		time.Sleep(20 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("activity of the created ticket: %v; want exactly one entry", trail)
	}
	// Same key, another request: refused, nothing created.
	resp, got, err = post(context.Background(), "key-1", []byte(`{"ticket_title":"Another one","description":"x"}`))
	if err != nil || resp.StatusCode != http.StatusUnprocessableEntity || got["field"] != "Idempotency-Key" {
		t.Fatalf("same key, other body: %v %v %v; want 422 on Idempotency-Key", err, resp, got)
	}
	// A new key is a new request.
	resp, got, err = post(context.Background(), "key-2", body)
	if err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" || got["id"] == id {
		t.Fatalf("new key: %v %v %v; want a new record", err, resp, got)
	}
	if n := s.Sim.Calls()["create"] - creates; n != 2 {
		t.Fatalf("%d create calls after a second key, want 2", n)
	}
	// A malformed key is a clear 422, not a silent pass.
	resp, got, err = post(context.Background(), "bad key with spaces", body)
	if err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("malformed key: %v %v %v", err, resp, got)
	}
}
