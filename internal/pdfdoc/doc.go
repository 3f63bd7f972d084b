// Package pdfdoc renders an inventory document (invoice, sales order,
// quote) as PDF from a plain Go value. It knows nothing about Vtiger: the
// documents service fills a Document, this package lays it out.
//
// It uses codeberg.org/go-pdf/fpdf (pure Go, no cgo, no headless browser)
// with TrueType fonts taken from Go modules (fonts.go): DejaVu Sans (Latin,
// Greek, Cyrillic…) and M+ 1p (Japanese) built in, or any TrueType file
// for CJK text (pdf.cjkFont). fpdf subsets the
// fonts on output, so a page carries only the glyphs it shows. Text is
// split into runs per font (see text.go) because fpdf has no glyph
// fallback of its own.
package pdfdoc

import (
	"strconv"
	"strings"
)

// Document is everything printed on one document.
type Document struct {
	Title    string  // "Invoice", "Sales order", "Quote"
	Number   string  // "INV4"
	Subject  string  // the record's subject line
	Dates    []Field // issue date, due date / valid until…, in print order
	Company  Company
	Billing  Address
	Shipping Address
	Items    []Item
	Totals   Totals
	Currency Currency
	Terms    string // terms and conditions, may span lines
	Paid     bool   // print a "PAID" mark
}

// texts is every string printed from d.
func (d *Document) texts() []string {
	texts := []string{d.Title, d.Number, d.Subject, d.Company.Name, d.Terms, d.Currency.Symbol, d.Currency.Code}
	texts = append(texts, d.Company.Lines...)
	texts = append(texts, d.Billing.Lines...)
	texts = append(texts, d.Shipping.Lines...)
	for _, f := range d.Dates {
		texts = append(texts, f.Label, f.Value)
	}
	for _, it := range d.Items {
		texts = append(texts, it.Name, it.Comment, it.Quantity)
	}
	return texts
}

// hasCJK reports whether any text of d is drawn with the CJK font.
func (d *Document) hasCJK() bool {
	for _, s := range d.texts() {
		if strings.IndexFunc(s, isCJK) >= 0 {
			return true
		}
	}
	return false
}

// Field is a labelled value ("Due date", "2026-02-07").
type Field struct {
	Label, Value string
}

// Company is the issuer block.
type Company struct {
	Name  string
	Lines []string // address, phone, website, VAT id…: one per line
	Logo  []byte   // PNG, JPEG or GIF; nil or unreadable: no logo
}

// Address is a billing or shipping block; empty lines are skipped.
type Address struct {
	Lines []string
}

func (a Address) empty() bool {
	for _, l := range a.Lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// Item is one line item. Amounts are in minor units of Currency.
type Item struct {
	Name      string
	Comment   string // printed small under the name
	Quantity  string // already formatted ("2", "1.5")
	ListPrice int64
	Discount  int64 // amount taken off the line
	Tax       int64 // tax of the line (0 with group tax)
	Total     int64 // after discount and line tax
}

// Totals are the document's sums in minor units of Currency.
type Totals struct {
	Subtotal   int64
	Discount   int64 // overall discount (positive number = taken off)
	Tax        int64
	Shipping   int64 // shipping and handling
	Adjustment int64 // signed
	Grand      int64
}

// Currency says how to print an amount. Decimals is the number of digits
// of the minor unit (2 for EUR, 0 for JPY, 3 for KWD).
type Currency struct {
	Code     string // ISO 4217, printed when there is no symbol
	Symbol   string
	Decimals int
}

// Format prints minor units with grouping and the symbol: €1,234.50,
// ¥1,235, -$3.00.
func (c Currency) Format(minor int64) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	digits := []byte(strconv.FormatInt(minor, 10))
	d := max(c.Decimals, 0)
	for len(digits) <= d {
		digits = append([]byte{'0'}, digits...)
	}
	intPart, frac := digits[:len(digits)-d], digits[len(digits)-d:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case c.Symbol != "":
		b.WriteString(c.Symbol)
	case c.Code != "":
		b.WriteString(c.Code + " ")
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(ch)
	}
	if d > 0 {
		b.WriteByte('.')
		b.Write(frac)
	}
	return b.String()
}
