package vtigersim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"
)

// A quote decision revises only quotestage: like stock 8.4 with an
// Invoice (revise-Invoice.json), the line items and totals stay.
func TestReviseQuoteWithoutLineItemsKeepsThem(t *testing.T) {
	for _, version := range []string{"8.4", "7.x"} {
		t.Run(version, func(t *testing.T) {
			s := New(Options{Version: version})
			d, err := SeedDemo(s)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(s)
			t.Cleanup(ts.Close)
			c := &client{t: t, base: ts.URL + "/webservice.php"}
			c.login("admin", DefaultAccessKey)
			id := d.Quotes["acme"][len(d.Quotes["acme"])-1]
			type quote struct {
				Stage     string           `json:"quotestage"`
				Total     string           `json:"hdnGrandTotal"`
				Sub       string           `json:"hdnSubTotal"`
				LineItems []map[string]any `json:"LineItems"`
			}
			var before, revised, after quote
			_ = json.Unmarshal(c.call(http.MethodGet, "retrieve", "id", id).Result, &before)
			env := c.call(http.MethodPost, "revise", "element", `{"id":"`+id+`","quotestage":"Accepted"}`)
			if !env.Success {
				t.Fatalf("revise: %+v", env.Error)
			}
			_ = json.Unmarshal(env.Result, &revised)
			_ = json.Unmarshal(c.call(http.MethodGet, "retrieve", "id", id).Result, &after)
			if len(before.LineItems) == 0 || before.Total == "" {
				t.Fatalf("seeded quote without items: %+v", before)
			}
			for _, got := range []quote{revised, after} {
				if got.Stage != "Accepted" || got.Total != before.Total || got.Sub != before.Sub || !reflect.DeepEqual(got.LineItems, before.LineItems) {
					t.Errorf("after revise %+v, before %+v", got, before)
				}
			}
		})
	}
}

func TestSeedQuotesOpenAndDecided(t *testing.T) {
	s, d := seedDemo(t, Options{})
	today := time.Now().UTC().Format("2006-01-02")
	for _, key := range []string{"acme", "globex"} {
		var openFuture, expiredOrClosed int
		for _, id := range d.Quotes[key] {
			r := mustGet(t, s, id)
			open := slices.Contains([]string{"Created", "Delivered", "Reviewed"}, r["quotestage"])
			switch {
			case open && r["validtill"] > today:
				openFuture++
			case !open || r["validtill"] < today:
				expiredOrClosed++
			}
		}
		if openFuture == 0 || expiredOrClosed == 0 {
			t.Errorf("%s: %d open quotes valid after today, %d expired or closed; want ≥ 1 each", key, openFuture, expiredOrClosed)
		}
	}
}

func TestFind(t *testing.T) {
	s := New(Options{})
	acc, _ := s.Insert("Accounts", map[string]string{"accountname": "A"})
	other, _ := s.Insert("Accounts", map[string]string{"accountname": "B"})
	c1, _ := s.Insert("Contacts", map[string]string{"lastname": "One", "account_id": acc})
	c2, _ := s.Insert("Contacts", map[string]string{"lastname": "Two", "account_id": acc})
	_, _ = s.Insert("Contacts", map[string]string{"lastname": "Three", "account_id": other})
	gone, _ := s.Insert("Contacts", map[string]string{"lastname": "Gone", "account_id": acc})
	if err := s.Delete(gone); err != nil {
		t.Fatal(err)
	}
	if got := s.Find("Contacts", map[string]string{"account_id": acc}); !slices.Equal(got, []string{c1, c2}) {
		t.Errorf("Find by account = %v, want %v", got, []string{c1, c2})
	}
	if got := s.Find("Contacts", map[string]string{"account_id": acc, "lastname": "Two"}); !slices.Equal(got, []string{c2}) {
		t.Errorf("Find two fields = %v", got)
	}
	if got := s.Find("Accounts", map[string]string{"account_id": acc}); len(got) != 0 {
		t.Errorf("Find in another module = %v", got)
	}
}
