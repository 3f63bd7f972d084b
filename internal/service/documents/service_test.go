package documents

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/pdfdoc"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pdftext"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

type env struct {
	svc  *Service
	sim  *vtigersim.Server
	demo *vtigersim.Demo
	anna domain.Customer // Acme
	ben  domain.Customer // Globex
}

// newEnv runs the real module engine over the Vtiger simulator with the
// demo data; before may change the simulator's records first.
func newEnv(t *testing.T, entries int, before func(*vtigersim.Server, *vtigersim.Demo)) *env {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	be := vtigertest.Sim(t)
	sim, demo := be.Sim, be.Demo
	if before != nil {
		before(sim, demo)
	}
	vt := be.Client(t)
	cfg := config.Default()
	cfg.Vtiger.Business.CompanyID = demo.CompanyID
	// The engine reads every record afresh: these tests change records in
	// the simulator and check the PDF cache, not the engine's.
	cfg.Cache.Stale = 0
	crm, err := records.New(vt, cfg, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	orgs := accounts.NewVtigerContacts(vt, cfg.Vtiger.Business.EmailField)
	svc, err := New(Options{Source: EngineSource{CRM: crm, Accounts: orgs}, PaidInvoiceStatus: cfg.Payment.PaidInvoiceStatus, CacheEntries: entries, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, sim: sim, demo: demo,
		anna: domain.Customer{ContactID: demo.Contacts["anna"], AccountID: demo.Accounts["acme"]},
		ben:  domain.Customer{ContactID: demo.Contacts["ben"], AccountID: demo.Accounts["globex"]},
	}
}

func (e *env) field(t *testing.T, id, f string) string {
	t.Helper()
	rec, ok := e.sim.Get(id)
	if !ok {
		t.Fatalf("no record %s", id)
	}
	return rec[f]
}

func TestInvoicePDFFromDemoData(t *testing.T) {
	e := newEnv(t, 10, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		module string
		id     string
		number string
		want   []string
		paid   bool
	}{
		{"paid invoice", Invoice, e.demo.Invoices["acme"][0], "invoice_no",
			[]string{"INVOICE", "Acme Ltd", "LaserJet Pro M404 Printer", "Second floor and reception", "Invoice date", "2026-01-08", "Due date", "2026-02-07",
				"Demo Vtiger Company", "Friedrichstraße 120", "Payable within 30 days"}, true},
		{"open invoice", Invoice, e.demo.Invoices["acme"][3], "invoice_no", []string{"INVOICE", "24-Port Gigabit Switch", "Network upgrade, first phase"}, false},
		{"sales order", SalesOrder, e.demo.SalesOrders["acme"][0], "salesorder_no", []string{"SALES ORDER", "Printer fleet order", "Starter stock"}, false},
		{"quote", Quote, e.demo.Quotes["acme"][0], "quote_no", []string{"QUOTE", "Managed services for 2026", "Valid until", "2026-03-31"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := e.svc.PDF(ctx, e.anna, tc.module, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			number := e.field(t, tc.id, tc.number)
			if f.Name != number+".pdf" {
				t.Errorf("file name %q, want %q", f.Name, number+".pdf")
			}
			text := pdftext.Text(t, f.Content)
			total := "€" + groupEUR(t, e.field(t, tc.id, "hdnGrandTotal"))
			for _, want := range append(tc.want, number, total) {
				if !strings.Contains(text, want) {
					t.Errorf("PDF lacks %q:\n%s", want, text)
				}
			}
			if got := strings.Contains(text, "PAID"); got != tc.paid {
				t.Errorf("PAID mark = %v, want %v", got, tc.paid)
			}
		})
	}
}

// groupEUR formats a Vtiger decimal the way the PDF prints euros.
func groupEUR(t *testing.T, dec string) string {
	t.Helper()
	r, ok := new(big.Rat).SetString(dec)
	if !ok {
		t.Fatalf("bad decimal %q", dec)
	}
	s := r.FloatString(2)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// The scope check is the engine's: another customer's invoice, a
// malformed id and an id of another module are all not found.
func TestPDFScope(t *testing.T) {
	e := newEnv(t, 10, nil)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		module, id string
	}{
		"Anna's invoice for Ben": {Invoice, e.demo.Invoices["acme"][0]},
		"Anna's quote for Ben":   {Quote, e.demo.Quotes["acme"][0]},
		"malformed id":           {Invoice, "7x'; drop"},
		"ticket id as invoice":   {Invoice, e.demo.Tickets["globex"][0]},
		"unknown module":         {"HelpDesk", e.demo.Tickets["globex"][0]},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.svc.PDF(ctx, e.ben, tc.module, tc.id)
			if domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("err = %v, want ENOTFOUND", err)
			}
		})
	}
	if e.svc.cache.len() != 0 {
		t.Error("a refused request filled the cache")
	}
}

// Unicode text, the company logo and a new record version all reach the
// document; an unchanged record is served from the cache.
func TestPDFUnicodeLogoAndCache(t *testing.T) {
	logo := pngLogo(t)
	var inv, product string
	e := newEnv(t, 2, func(sim *vtigersim.Server, d *vtigersim.Demo) {
		inv = d.Invoices["acme"][1]
		rec, _ := sim.Get(inv)
		product = rec["productid"]
		must(t, sim.Set(d.CompanyID, map[string]string{"logo": base64.StdEncoding.EncodeToString(logo), "logoname": "logo.png"}))
		must(t, sim.Set(product, map[string]string{"productname": "Toner für Büro é ü 日本"}))
		must(t, sim.Set(inv, map[string]string{"subject": "Überweisung 日本語", "modifiedtime": "2026-01-20 10:00:00"}))
	})
	ctx := context.Background()
	f1, err := e.svc.PDF(ctx, e.anna, Invoice, inv)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, f1.Content)
	for _, want := range []string{"Toner für Büro é ü 日本", "Überweisung 日本語"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	if !bytes.Contains(f1.Content, []byte("/Subtype /Image")) {
		t.Error("company logo not embedded")
	}
	f2, err := e.svc.PDF(ctx, e.anna, Invoice, inv)
	if err != nil {
		t.Fatal(err)
	}
	if &f1.Content[0] != &f2.Content[0] {
		t.Error("unchanged record rendered again instead of served from the cache")
	}
	must(t, e.sim.Set(inv, map[string]string{"subject": "Second version", "modifiedtime": "2026-01-21 10:00:00"}))
	f3, err := e.svc.PDF(ctx, e.anna, Invoice, inv)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftext.Text(t, f3.Content); !strings.Contains(text, "Second version") {
		t.Errorf("modified record served stale:\n%s", text)
	}
	// Bounded: a third document evicts the least recently used one.
	if _, err := e.svc.PDF(ctx, e.anna, Quote, e.demo.Quotes["acme"][0]); err != nil {
		t.Fatal(err)
	}
	if n := e.svc.cache.len(); n != 2 {
		t.Errorf("cache holds %d PDFs, want its bound 2", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pngLogo(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 90, 30))
	for x := range 90 {
		for y := range 30 {
			img.Set(x, y, color.NRGBA{R: 20, G: 90, B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestLineAndTotalArithmetic(t *testing.T) {
	for _, tc := range []struct {
		name       string
		li         map[string]any
		individual bool
		code       string
		want       [4]int64 // list price, discount, tax, total
		qty        string
	}{
		{"plain", map[string]any{"quantity": 2.0, "listprice": 100.0}, false, "EUR", [4]int64{10000, 0, 0, 20000}, "2"},
		{"percent discount", map[string]any{"quantity": 3.0, "listprice": 19.99, "discount_percent": 10.0}, false, "EUR", [4]int64{1999, 600, 0, 5397}, "3"},
		{"amount discount", map[string]any{"quantity": "1.000", "listprice": "250.00000000", "discount_amount": "25.5"}, false, "EUR", [4]int64{25000, 2550, 0, 22450}, "1"},
		{"individual tax", map[string]any{"quantity": 1.5, "listprice": 80.0, "tax1": 19.0, "tax2": 0.0}, true, "EUR", [4]int64{8000, 0, 2280, 14280}, "1.5"},
		{"group tax ignores line taxes", map[string]any{"quantity": 1.0, "listprice": 80.0, "tax1": 19.0}, false, "EUR", [4]int64{8000, 0, 0, 8000}, "1"},
		{"zero-decimal currency", map[string]any{"quantity": 3.0, "listprice": 333.5}, false, "JPY", [4]int64{334, 0, 0, 1001}, "3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := item(tc.li, map[string]any{}, 1, tc.individual, tc.code)
			got := [4]int64{it.ListPrice, it.Discount, it.Tax, it.Total}
			if got != tc.want || it.Quantity != tc.qty {
				t.Errorf("got %v qty %q, want %v qty %q", got, it.Quantity, tc.want, tc.qty)
			}
		})
	}
	// Without LineItems_FinalDetails the tax is what the grand total holds
	// beyond subtotal − discount + shipping + adjustment.
	rec := map[string]any{"hdnSubTotal": 1000.0, "hdnDiscountPercent": 10.0, "hdnS_H_Amount": 15.0,
		"txtAdjustment": -5.0, "hdnGrandTotal": 1091.0}
	got := totals(rec, map[string]any{}, "EUR")
	want := totalsOf(100000, 10000, 18100, 1500, -500, 109100)
	if got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	// With them, the CRM's own tax and discount are printed.
	final := map[string]any{"1": map[string]any{"final_details": map[string]any{
		"discountTotal_final": "50.00", "tax_totalamount": "180.50", "shtax_totalamount": "2.85"}}}
	got = totals(map[string]any{"hdnSubTotal": "1000", "hdnGrandTotal": "1148.35", "hdnS_H_Amount": "15"}, final, "EUR")
	if got.Discount != 5000 || got.Tax != 18335 || got.Grand != 114835 {
		t.Errorf("totals with final details = %+v", got)
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct{ number, want string }{
		{"INV4", "INV4.pdf"},
		{"SO 12/2026", "SO-12-2026.pdf"},
		{`"; filename=evil.exe`, "filename-evil.exe.pdf"},
		{"", "invoice-7x12.pdf"},
		{"日本", "invoice-7x12.pdf"},
	} {
		if got := fileName(tc.number, Invoice, "7x12"); got != tc.want {
			t.Errorf("fileName(%q) = %q, want %q", tc.number, got, tc.want)
		}
	}
}

func totalsOf(sub, disc, tax, ship, adj, grand int64) pdfdoc.Totals {
	return pdfdoc.Totals{Subtotal: sub, Discount: disc, Tax: tax, Shipping: ship, Adjustment: adj, Grand: grand}
}

// Only the customer's own organisation is printed: an invoice Anna reaches
// through her contact but billed to Globex does not name Globex.
func TestPDFNamesOnlyTheCustomersOrganisation(t *testing.T) {
	var inv string
	e := newEnv(t, 10, func(sim *vtigersim.Server, d *vtigersim.Demo) {
		inv = d.Invoices["acme"][2]
		must(t, sim.Set(inv, map[string]string{"account_id": d.Accounts["globex"]}))
	})
	f, err := e.svc.PDF(context.Background(), e.anna, Invoice, inv)
	if err != nil {
		t.Fatalf("Anna's contact is on the invoice, so she sees it: %v", err)
	}
	text := pdftext.Text(t, f.Content)
	if strings.Contains(text, "Globex") || strings.Contains(text, "Acme Ltd") {
		t.Errorf("invoice billed to another organisation names one:\n%s", text)
	}
	if !strings.Contains(text, e.field(t, inv, "invoice_no")) {
		t.Errorf("document text missing:\n%s", text)
	}
}

// Characters the fonts cannot draw print as boxes: the render says which,
// so an operator knows to set pdf.cjkFont. A drawable text logs nothing.
func TestPDFLogsCharactersWithoutGlyph(t *testing.T) {
	var inv string
	e := newEnv(t, 0, func(sim *vtigersim.Server, d *vtigersim.Demo) {
		inv = d.Invoices["acme"][1]
		must(t, sim.Set(inv, map[string]string{"subject": "简体 order"}))
	})
	var logs bytes.Buffer
	e.svc.log = slog.New(slog.NewTextHandler(&logs, nil))
	ctx := context.Background()
	if _, err := e.svc.PDF(ctx, e.anna, Invoice, inv); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "cannot draw") || !strings.Contains(out, "characters=简") || !strings.Contains(out, "record="+inv) {
		t.Fatalf("no warning naming 简 for %s:\n%s", inv, out)
	}
	logs.Reset()
	if _, err := e.svc.PDF(ctx, e.anna, Invoice, e.demo.Invoices["acme"][0]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "cannot draw") {
		t.Fatalf("a drawable invoice warned:\n%s", logs.String())
	}
}
