package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pdftext"
)

func download(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Anna downloads her invoice, sales order and quote as PDF through the
// wired app; Ben cannot download hers; bad ids and no token are refused
// with JSON errors.
func TestDemoDocumentPDFs(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	ben := login(t, base, "ben@globex.example")
	demo := s.Demo

	for _, tc := range []struct {
		route, id, numberField, title string
		want                          []string
	}{
		{"invoices", demo.Invoices["acme"][0], "invoice_no", "INVOICE", []string{"LaserJet Pro M404 Printer", "PAID", "Demo Vtiger Company", "10117 Berlin"}},
		{"sales-orders", demo.SalesOrders["acme"][0], "salesorder_no", "SALES ORDER", []string{"Toner Cartridge 59A"}},
		{"quotes", demo.Quotes["acme"][0], "quote_no", "QUOTE", []string{"Valid until"}},
	} {
		t.Run(tc.route, func(t *testing.T) {
			// The number and total the JSON detail route shows must be on the PDF.
			code, rec := apptest.Call(t, "GET", base+"/"+tc.route+"/"+tc.id, anna, nil)
			if code != 200 {
				t.Fatalf("detail: %d %v", code, rec)
			}
			data := rec["data"].(map[string]any)
			number := data[tc.numberField].(string)
			cur := data["currency"].(map[string]any)
			total := cur["currency_symbol"].(string) + formatAmount(data["hdnGrandTotal"].(float64))

			resp, body := download(t, base+"/"+tc.route+"/"+tc.id+"/pdf", anna)
			if resp.StatusCode != 200 {
				t.Fatalf("pdf: %d %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd, want := resp.Header.Get("Content-Disposition"), `attachment; filename="`+number+`.pdf"`; cd != want {
				t.Errorf("Content-Disposition %q, want %s", cd, want)
			}
			if !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
				t.Errorf("Cache-Control %q lets shared caches keep a customer's document", resp.Header.Get("Cache-Control"))
			}
			if !bytes.HasPrefix(body, []byte("%PDF-")) {
				t.Fatalf("body is not a PDF: %q", body[:min(len(body), 40)])
			}
			text := pdftext.Text(t, body)
			for _, want := range append(tc.want, tc.title, number, total) {
				if !strings.Contains(text, want) {
					t.Errorf("PDF lacks %q:\n%s", want, text)
				}
			}
			if tc.route == "invoices" {
				if dst := os.Getenv("PORTAL_PDF_PNG"); dst != "" {
					pdftext.PNG(t, body, dst) // a look at the layout: PORTAL_PDF_PNG=/tmp/page.png
				}
			}
		})
	}

	for name, tc := range map[string]struct {
		url, token string
		want       int
	}{
		"Ben, Anna's invoice":     {base + "/invoices/" + demo.Invoices["acme"][0] + "/pdf", ben, 404},
		"Ben, Anna's sales order": {base + "/sales-orders/" + demo.SalesOrders["acme"][0] + "/pdf", ben, 404},
		"Ben, Anna's quote":       {base + "/quotes/" + demo.Quotes["acme"][0] + "/pdf", ben, 404},
		"bogus id":                {base + "/invoices/not-an-id/pdf", anna, 404},
		"unknown invoice":         {base + "/invoices/7x999999/pdf", anna, 404},
		"quote id as invoice":     {base + "/invoices/" + demo.Quotes["acme"][0] + "/pdf", anna, 404},
		"no token":                {base + "/invoices/" + demo.Invoices["acme"][0] + "/pdf", "", 401},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := download(t, tc.url, tc.token)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			var e map[string]any
			if err := json.Unmarshal(body, &e); err != nil || e["message"] == nil {
				t.Errorf("error body is not the JSON error shape: %s", body)
			}
			if bytes.HasPrefix(body, []byte("%PDF")) {
				t.Error("a refused request got a PDF")
			}
		})
	}
}

// formatAmount prints a euro amount as the PDF does (1,234.50).
func formatAmount(v float64) string {
	s := strings.Split(strings.TrimRight(strings.TrimRight(jsonNumber(v), "0"), "."), ".")
	intPart, frac := s[0], ""
	if len(s) > 1 {
		frac = s[1]
	}
	frac = (frac + "00")[:2]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

func jsonNumber(v float64) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
