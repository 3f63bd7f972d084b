// Package documents produces the printable documents of inventory records
// (invoice, sales order, quote) as PDF: it reads the record, the company
// details and the currency through a small Source, turns them into a
// pdfdoc.Document and renders it, caching the result per record version.
package documents

import (
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/pdfdoc"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
)

// Source is the CRM as this service needs it. Records are the module
// engine's typed maps (numbers float64 or decimal strings, dates RFC 3339
// or YYYY-MM-DD, LineItems a list of maps).
type Source interface {
	// Record returns one record of module that the customer may see, with
	// its LineItems. Missing, malformed and other customers' ids are all
	// ENOTFOUND: the scope check is the engine's, never this package's.
	Record(ctx context.Context, c domain.Customer, module, id string) (map[string]any, error)
	// Company returns the CompanyDetails record (logo as base64 in "logo").
	Company(ctx context.Context) (map[string]any, error)
	// Currency returns a Currency record (currency_code, currency_symbol).
	Currency(ctx context.Context, id string) (map[string]any, error)
	// Organization returns the name of the customer's own organisation
	// (c.AccountID), printed above the addresses of records billed to it.
	Organization(ctx context.Context, c domain.Customer) (string, error)
}

// The Vtiger modules with a printable document.
const (
	Invoice    = "Invoice"
	SalesOrder = "SalesOrder"
	Quote      = "Quotes"
)

// kind is what differs between the three documents.
type kind struct {
	title, numberField string
	dates              []dateField
}

type dateField struct{ label, field string }

var kinds = map[string]kind{
	Invoice: {"Invoice", "invoice_no", []dateField{{"Invoice date", "invoicedate"}, {"Due date", "duedate"}}},
	SalesOrder: {"Sales order", "salesorder_no", []dateField{
		{"Order date", "createdtime"}, {"Due date", "duedate"}}},
	Quote: {"Quote", "quote_no", []dateField{{"Date", "createdtime"}, {"Valid until", "validtill"}}},
}

// Options configure the service.
type Options struct {
	Source            Source
	PaidInvoiceStatus string       // payment.paid_invoice_status: invoices in it get the PAID mark
	CacheEntries      int          // cache.pdfEntries: rendered PDFs kept in memory (0 = none)
	Fonts             pdfdoc.Fonts // zero = pdfdoc.DefaultFonts()
	Logger            *slog.Logger
}

// Service renders documents.
type Service struct {
	src   Source
	paid  string
	cache *lru
	fonts pdfdoc.Fonts
	log   *slog.Logger
}

// New returns the service.
func New(o Options) (*Service, error) {
	if o.Source == nil {
		return nil, fmt.Errorf("documents: no source")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{src: o.Source, paid: o.PaidInvoiceStatus, cache: newLRU(o.CacheEntries), fonts: o.Fonts, log: o.Logger}, nil
}

// File is a rendered document.
type File struct {
	Name    string // "INV4.pdf"
	Content []byte
}

// PDF renders the record id of module (Invoice, SalesOrder or Quotes) for
// the customer. The record is read, and so scope-checked, on every call;
// only the rendering is cached, per record modifiedtime, company details
// and the organisation the copy names (the customer's, when billed to it).
func (s *Service) PDF(ctx context.Context, c domain.Customer, module, id string) (*File, error) {
	k, ok := kinds[module]
	if !ok {
		return nil, domain.NotFound("document")
	}
	rec, err := s.src.Record(ctx, c, module, id)
	if err != nil {
		return nil, err
	}
	company, err := s.src.Company(ctx)
	if err != nil {
		// The document is the customer's; a missing letterhead is not a
		// reason to refuse it.
		s.log.WarnContext(ctx, "company details for PDF", "err", err)
		company = map[string]any{}
	}
	name := fileName(str(rec[k.numberField]), module, id)
	// Only the customer's own organisation is named: a record reached
	// through the contact may be billed to another one, whose name the
	// customer is not shown anywhere else.
	named := ""
	if acc := str(rec["account_id"]); acc != "" && acc == c.AccountID {
		named = acc
	}
	key := ""
	if mt := str(rec["modifiedtime"]); mt != "" {
		// The named organisation is part of the key: customers of two
		// organisations may both see a record, and only one copy names
		// the billed one.
		key = module + "|" + id + "|" + mt + "|" + fingerprint(company) + "|" + named
		if b, ok := s.cache.get(key); ok {
			return &File{Name: name, Content: b}, nil
		}
	}
	var cur map[string]any
	if cid := str(rec["currency_id"]); cid != "" {
		if cur, err = s.src.Currency(ctx, cid); err != nil {
			return nil, err
		}
	} else if m, ok := rec["currency"].(map[string]any); ok {
		cur = m
	}
	doc := s.build(k, module, rec, company, cur)
	if named != "" {
		if org, err := s.src.Organization(ctx, c); err == nil && org != "" {
			doc.Billing.Lines = append([]string{org}, doc.Billing.Lines...)
			doc.Shipping.Lines = append([]string{org}, doc.Shipping.Lines...)
		} else if err != nil {
			s.log.WarnContext(ctx, "organisation name for PDF", "err", err)
		}
	}
	if miss := s.fonts.Missing(doc); len(miss) > 0 {
		s.log.WarnContext(ctx, "PDF text has characters its fonts cannot draw; they print as empty boxes (a TrueType font in pdf.cjkFont covers more of CJK)",
			"record", id, "characters", string(miss[:min(len(miss), 20)]))
	}
	b, err := s.fonts.Render(doc)
	if err != nil {
		return nil, fmt.Errorf("render %s %s: %w", module, id, err)
	}
	if key != "" {
		s.cache.put(key, b)
	}
	return &File{Name: name, Content: b}, nil
}

// build maps the CRM records onto the document.
func (s *Service) build(k kind, module string, rec, company, cur map[string]any) pdfdoc.Document {
	code := strings.ToUpper(str(cur["currency_code"]))
	currency := pdfdoc.Currency{Code: code, Symbol: str(cur["currency_symbol"]), Decimals: payments.MinorDigits(code)}
	d := pdfdoc.Document{
		Title:    k.title,
		Number:   str(rec[k.numberField]),
		Subject:  str(rec["subject"]),
		Company:  companyBlock(company),
		Billing:  address(rec, "bill_"),
		Shipping: address(rec, "ship_"),
		Currency: currency,
		Terms:    str(rec["terms_conditions"]),
		Paid:     module == Invoice && s.paid != "" && strings.EqualFold(str(rec["invoicestatus"]), s.paid),
	}
	for _, f := range k.dates {
		if v := day(rec[f.field]); v != "" {
			d.Dates = append(d.Dates, pdfdoc.Field{Label: f.label, Value: v})
		}
	}
	final := finalDetails(rec)
	individual := strings.EqualFold(str(rec["hdnTaxType"]), "individual")
	for i, li := range lineItems(rec) {
		d.Items = append(d.Items, item(li, final, i+1, individual, code))
	}
	d.Totals = totals(rec, final, code)
	return d
}

func item(li map[string]any, final map[string]any, n int, individual bool, code string) pdfdoc.Item {
	qty := rat(li["quantity"])
	price := rat(li["listprice"])
	gross := new(big.Rat).Mul(qty, price)
	disc := new(big.Rat)
	if dp := rat(li["discount_percent"]); dp.Sign() != 0 {
		disc.Mul(gross, dp).Quo(disc, big.NewRat(100, 1))
	} else if da := rat(li["discount_amount"]); da.Sign() != 0 {
		disc.Set(da)
	}
	net := new(big.Rat).Sub(gross, disc)
	tax := new(big.Rat)
	line, _ := final[strconv.Itoa(n)].(map[string]any)
	if v, ok := line["taxTotal"+strconv.Itoa(n)]; ok && individual {
		tax = rat(v)
	} else if individual {
		pct := new(big.Rat)
		for _, f := range []string{"tax1", "tax2", "tax3"} {
			pct.Add(pct, rat(li[f]))
		}
		tax.Mul(net, pct).Quo(tax, big.NewRat(100, 1))
	}
	total := new(big.Rat).Add(net, tax)
	q, _ := qty.Float64()
	return pdfdoc.Item{
		Name:      str(li["product_name"]),
		Comment:   str(li["comment"]),
		Quantity:  strconv.FormatFloat(q, 'f', -1, 64),
		ListPrice: minor(price, code),
		Discount:  minor(disc, code),
		Tax:       minor(tax, code),
		Total:     minor(total, code),
	}
}

// totals reads the record's sums. Vtiger stores no tax total on the
// record, so tax is what the CRM computed (LineItems_FinalDetails, 7.1+)
// or, without it, what the grand total holds beyond the other parts.
func totals(rec, final map[string]any, code string) pdfdoc.Totals {
	sub := rat(rec["hdnSubTotal"])
	ship := rat(rec["hdnS_H_Amount"])
	adj := rat(rec["txtAdjustment"])
	grand := rat(rec["hdnGrandTotal"])
	fd := map[string]any{}
	if first, ok := final["1"].(map[string]any); ok {
		if m, ok := first["final_details"].(map[string]any); ok {
			fd = m
		}
	}
	disc := new(big.Rat)
	switch {
	case fd["discountTotal_final"] != nil:
		disc = rat(fd["discountTotal_final"])
	case rat(rec["hdnDiscountAmount"]).Sign() != 0:
		disc = rat(rec["hdnDiscountAmount"])
	case rat(rec["hdnDiscountPercent"]).Sign() != 0:
		disc.Mul(sub, rat(rec["hdnDiscountPercent"])).Quo(disc, big.NewRat(100, 1))
	}
	var tax *big.Rat
	if fd["tax_totalamount"] != nil {
		tax = new(big.Rat).Add(rat(fd["tax_totalamount"]), rat(fd["shtax_totalamount"]))
	} else {
		tax = new(big.Rat).Sub(grand, sub)
		tax.Add(tax, disc).Sub(tax, ship).Sub(tax, adj)
		if tax.Sign() < 0 {
			tax.SetInt64(0)
		}
	}
	return pdfdoc.Totals{
		Subtotal: minor(sub, code), Discount: minor(disc, code), Tax: minor(tax, code),
		Shipping: minor(ship, code), Adjustment: minor(adj, code), Grand: minor(grand, code),
	}
}

// lineItems returns the record's line items in sequence order (a row of a
// since deleted product stays: it was sold).
func lineItems(rec map[string]any) []map[string]any {
	var out []map[string]any
	switch v := rec["LineItems"].(type) {
	case []map[string]any:
		out = append(out, v...)
	case []any:
		for _, it := range v {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _ := rat(out[i]["sequence_no"]).Float64()
		b, _ := rat(out[j]["sequence_no"]).Float64()
		return a < b
	})
	return out
}

func finalDetails(rec map[string]any) map[string]any {
	m, _ := rec["LineItems_FinalDetails"].(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

func companyBlock(c map[string]any) pdfdoc.Company {
	out := pdfdoc.Company{Name: str(c["organizationname"])}
	city := strings.TrimSpace(str(c["code"]) + " " + str(c["city"]))
	lines := []string{str(c["address"]), city}
	if st := str(c["state"]); st != "" && st != str(c["city"]) {
		lines = append(lines, st)
	}
	lines = append(lines, str(c["country"]))
	if v := str(c["phone"]); v != "" {
		lines = append(lines, "Phone "+v)
	}
	if v := str(c["website"]); v != "" {
		lines = append(lines, v)
	}
	if v := str(c["vatid"]); v != "" {
		lines = append(lines, "VAT ID "+v)
	}
	out.Lines = nonEmpty(lines)
	if logo := str(c["logo"]); logo != "" {
		if b, err := base64.StdEncoding.DecodeString(logo); err == nil {
			out.Logo = b
		}
	}
	return out
}

func address(rec map[string]any, p string) pdfdoc.Address {
	lines := []string{str(rec[p+"street"])}
	if box := str(rec[p+"pobox"]); box != "" {
		lines = append(lines, "PO Box "+box)
	}
	lines = append(lines, strings.TrimSpace(str(rec[p+"code"])+" "+str(rec[p+"city"])))
	if st := str(rec[p+"state"]); st != "" && st != str(rec[p+"city"]) {
		lines = append(lines, st)
	}
	lines = append(lines, str(rec[p+"country"]))
	return pdfdoc.Address{Lines: nonEmpty(lines)}
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// day prints the date part of a date or datetime value; the engine's
// "no date" (year 1) and Vtiger's 0000-00-00 print nothing.
func day(v any) string {
	s := str(v)
	if len(s) < 10 || strings.HasPrefix(s, "0001-") || strings.HasPrefix(s, "0000-") {
		return ""
	}
	return s[:10]
}

// str reads a value as text, references by their id.
func str(v any) string { return strings.TrimSpace(domain.FieldText(v)) }

// rat reads a money or quantity value exactly: the engine hands decimals
// over as float64 parsed from Vtiger's decimal strings, and the shortest
// float formatting gives those digits back.
func rat(v any) *big.Rat {
	s := strings.ReplaceAll(str(v), ",", "")
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" {
		return new(big.Rat)
	}
	return r
}

// minor rounds r to minor units of the currency, half away from zero
// (FloatString's rule, the same as payments.ToMinor's), so a printed total
// is the amount the card payment charges.
func minor(r *big.Rat, code string) int64 {
	n, err := payments.ToMinor(r.FloatString(payments.MinorDigits(code)), code)
	if err != nil {
		return 0
	}
	return n
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName is the record number as a file name ("INV4.pdf"); a number
// with nothing usable in it falls back to module and id.
func fileName(number, module, id string) string {
	n := strings.Trim(unsafeName.ReplaceAllString(number, "-"), "-.")
	if n == "" {
		n = strings.ToLower(module) + "-" + unsafeName.ReplaceAllString(id, "-")
	}
	if len(n) > 100 {
		n = n[:100]
	}
	return n + ".pdf"
}

// fingerprint changes when the company block printed on every document
// does, so a new logo or address is not hidden behind cached PDFs.
func fingerprint(c map[string]any) string {
	h := fnv.New64a()
	for _, k := range []string{"organizationname", "address", "city", "state", "code", "country", "phone", "website", "vatid", "logo"} {
		h.Write([]byte(str(c[k])))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}
