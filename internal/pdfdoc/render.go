package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // logo formats Vtiger accepts
	_ "image/jpeg"
	"image/png"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// A4 portrait, millimetres.
const (
	pageW   = 210.0
	pageH   = 297.0
	margin  = 15.0
	right   = pageW - margin
	content = pageW - 2*margin
	bottom  = pageH - 22.0 // last usable baseline area above the footer
)

var (
	colText  = [3]int{33, 37, 41}
	colMuted = [3]int{108, 117, 125}
	colRule  = [3]int{206, 212, 218}
	colHead  = [3]int{241, 243, 245}
	colPaid  = [3]int{25, 135, 84}
)

// column of the line item table.
type column struct {
	title string
	w     float64
	right bool
}

var columns = []column{
	{"#", 8, false},
	{"Item", 66, false},
	{"Qty", 16, true},
	{"List price", 24, true},
	{"Discount", 20, true},
	{"Tax", 20, true},
	{"Total", 26, true},
}

// maxLogoPixels bounds the decoded logo (a CRM upload is not trusted to be
// small).
const maxLogoPixels = 4000 * 4000

type renderer struct {
	pdf *fpdf.Fpdf
	p   *pen
	d   *Document
}

// Render lays out d on A4 pages with the default fonts.
func Render(d Document) ([]byte, error) { return DefaultFonts().Render(d) }

// Render lays out d on A4 pages and returns the PDF.
func (f Fonts) Render(d Document) ([]byte, error) {
	if f.sans == nil {
		f = DefaultFonts()
	}
	pdf, err := f.newPDF(d.hasCJK())
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(d.Title + " " + d.Number)
	pdf.SetTitle(clean(title), true)
	pdf.SetCreator("Vtiger customer portal", true)
	if d.Company.Name != "" {
		pdf.SetAuthor(clean(d.Company.Name), true)
	}
	pdf.AliasNbPages("{nb}")
	r := &renderer{pdf: pdf, p: &pen{pdf: pdf, size: 10}, d: &d}
	pdf.SetFooterFunc(r.footer)
	pdf.AddPage()
	if d.Paid {
		r.paidMark()
	}
	y := r.header()
	y = r.addresses(y)
	y = r.items(y)
	y = r.totals(y)
	r.terms(y)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	return buf.Bytes(), nil
}

// newPDF is an empty A4 document with the fonts registered. The CJK font
// is parsed only for documents that need it: it is megabytes, and parsing
// it is most of the time and memory of a render.
func (f Fonts) newPDF(cjk bool) (*fpdf.Fpdf, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes(famSans, "", f.sans)
	pdf.AddUTF8FontFromBytes(famSans, "B", f.sansBold)
	if cjk {
		pdf.AddUTF8FontFromBytes(famCJK, "", f.cjk)
	}
	return pdf, pdf.Error()
}

func (r *renderer) color(c [3]int) { r.pdf.SetTextColor(c[0], c[1], c[2]) }

// newPage continues on a fresh page and returns the first baseline area.
func (r *renderer) newPage() float64 {
	r.pdf.AddPage()
	return margin
}

// header draws the company block (left), the title, number and dates
// (right) and returns the y below both.
func (r *renderer) header() float64 {
	p, d := r.p, r.d
	yl := margin
	if _, h, ok := r.logo(margin, margin, 60, 20); ok {
		yl += h + 4
	}
	if d.Company.Name != "" {
		p.set(12, true)
		r.color(colText)
		for _, l := range p.wrap(d.Company.Name, 95) {
			yl += p.lineHeight()
			p.text(margin, yl, l)
		}
	}
	p.set(8.5, false)
	r.color(colMuted)
	for _, line := range d.Company.Lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		for _, l := range p.wrap(line, 95) {
			yl += p.lineHeight()
			p.text(margin, yl, l)
		}
	}

	yr := margin + 6
	p.set(20, true)
	r.color(colText)
	p.right(right, yr, strings.ToUpper(d.Title))
	yr += 8
	if d.Number != "" {
		p.set(11, true)
		p.right(right, yr, d.Number)
		yr += 1
	}
	for _, f := range d.Dates {
		if strings.TrimSpace(f.Value) == "" {
			continue
		}
		yr += 5
		p.set(9, false)
		r.color(colText)
		vw := p.width(f.Value)
		p.right(right, yr, f.Value)
		r.color(colMuted)
		p.right(right-vw-2, yr, f.Label)
	}
	if d.Paid {
		yr += 6
		p.set(10, true)
		r.color(colPaid)
		p.right(right, yr, "PAID")
	}
	r.color(colText)
	return max(yl, yr) + 8
}

// logo draws the company logo into the box, keeping its aspect ratio; ok
// is false when there is none or it cannot be read.
func (r *renderer) logo(x, y, maxW, maxH float64) (w, h float64, ok bool) {
	raw := r.d.Company.Logo
	if len(raw) == 0 {
		return 0, 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxLogoPixels {
		return 0, 0, false
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return 0, 0, false
	}
	// Re-encoded by image/png: fpdf reads every PNG this produces, and a
	// broken upload never puts the document in its error state.
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return 0, 0, false
	}
	info := r.pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	if info == nil || r.pdf.Err() {
		return 0, 0, false
	}
	ratio := float64(cfg.Width) / float64(cfg.Height)
	h = maxH
	w = h * ratio
	if w > maxW {
		w = maxW
		h = w / ratio
	}
	r.pdf.ImageOptions("logo", x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	return w, h, true
}

// paidMark is a large, faint, slanted PAID across the first page.
func (r *renderer) paidMark() {
	pdf := r.pdf
	pdf.TransformBegin()
	pdf.TransformRotate(30, pageW/2, pageH/2)
	pdf.SetAlpha(0.15, "Normal")
	r.p.set(110, true)
	r.color(colPaid)
	r.p.text(pageW/2-r.p.width("PAID")/2, pageH/2+12, "PAID")
	pdf.SetAlpha(1, "Normal")
	pdf.TransformEnd()
	r.color(colText)
}

// addresses draws "Bill to" and "Ship to" side by side, then the subject.
func (r *renderer) addresses(y float64) float64 {
	p, d := r.p, r.d
	if !d.Billing.empty() || !d.Shipping.empty() {
		yEnd := y
		for i, a := range []struct {
			title string
			addr  Address
		}{{"Bill to", d.Billing}, {"Ship to", d.Shipping}} {
			if a.addr.empty() {
				continue
			}
			x := margin + float64(i)*(content/2+5)
			yy := y
			p.set(8, true)
			r.color(colMuted)
			p.text(x, yy, strings.ToUpper(a.title))
			p.set(9.5, false)
			r.color(colText)
			for _, line := range a.addr.Lines {
				if strings.TrimSpace(line) == "" {
					continue
				}
				for _, l := range p.wrap(line, content/2-5) {
					yy += p.lineHeight()
					p.text(x, yy, l)
				}
			}
			yEnd = max(yEnd, yy)
		}
		y = yEnd + 9
	}
	if d.Subject != "" {
		p.set(10.5, true)
		r.color(colText)
		for _, l := range p.wrap(d.Subject, content) {
			p.text(margin, y, l)
			y += p.lineHeight()
		}
		y += 2
	}
	return y
}

// tableHeader draws the column titles with their top at y and returns the
// y under them.
func (r *renderer) tableHeader(y float64) float64 {
	p := r.p
	r.pdf.SetFillColor(colHead[0], colHead[1], colHead[2])
	r.pdf.Rect(margin, y, content, 7, "F")
	p.set(8.5, true)
	r.color(colMuted)
	x := margin
	for _, c := range columns {
		if c.right {
			p.right(x+c.w-1.5, y+4.8, c.title)
		} else {
			p.text(x+1.5, y+4.8, c.title)
		}
		x += c.w
	}
	r.color(colText)
	return y + 7
}

// items draws the line item table, continuing on new pages as needed.
func (r *renderer) items(y float64) float64 {
	p, d := r.p, r.d
	y = r.tableHeader(y)
	r.pdf.SetDrawColor(colRule[0], colRule[1], colRule[2])
	r.pdf.SetLineWidth(0.2)
	cur := d.Currency
	for i, it := range d.Items {
		p.set(9, false)
		nameLines := p.wrap(it.Name, columns[1].w-3)
		nameLH := p.lineHeight()
		var commentLines []string
		p.set(7.5, false)
		commentLH := p.lineHeight()
		if strings.TrimSpace(it.Comment) != "" {
			commentLines = p.wrap(it.Comment, columns[1].w-3)
		}
		rowH := float64(len(nameLines))*nameLH + float64(len(commentLines))*commentLH + 3
		if y+rowH > bottom {
			y = r.tableHeader(r.newPage())
		}
		base := y + nameLH
		cells := []string{strconv.Itoa(i + 1), "", it.Quantity, cur.Format(it.ListPrice),
			cur.Format(it.Discount), cur.Format(it.Tax), cur.Format(it.Total)}
		x := margin
		p.set(9, false)
		r.color(colText)
		for ci, c := range columns {
			switch {
			case ci == 1:
				yy := base
				for _, l := range nameLines {
					p.text(x+1.5, yy, l)
					yy += nameLH
				}
				p.set(7.5, false)
				r.color(colMuted)
				yy -= nameLH - commentLH
				for _, l := range commentLines {
					p.text(x+1.5, yy, l)
					yy += commentLH
				}
				p.set(9, false)
				r.color(colText)
			case c.right:
				p.right(x+c.w-1.5, base, cells[ci])
			default:
				p.text(x+1.5, base, cells[ci])
			}
			x += c.w
		}
		y += rowH
		r.pdf.Line(margin, y, right, y)
	}
	return y + 4
}

// totals draws the sums block at the right.
func (r *renderer) totals(y float64) float64 {
	p, d := r.p, r.d
	t, cur := d.Totals, d.Currency
	type row struct {
		label string
		value int64
		show  bool
	}
	rows := []row{
		{"Subtotal", t.Subtotal, true},
		{"Discount", -t.Discount, true},
		{"Tax", t.Tax, true},
		{"Shipping & handling", t.Shipping, true},
		{"Adjustment", t.Adjustment, t.Adjustment != 0},
	}
	need := float64(len(rows))*5.5 + 14
	if y+need > bottom {
		y = r.newPage()
	}
	x0 := right - 80
	p.set(9.5, false)
	for _, rw := range rows {
		if !rw.show {
			continue
		}
		y += 5.5
		r.color(colMuted)
		p.text(x0+2, y, rw.label)
		r.color(colText)
		p.right(right-1.5, y, cur.Format(rw.value))
	}
	y += 3
	r.pdf.SetFillColor(colHead[0], colHead[1], colHead[2])
	r.pdf.Rect(x0, y, 80, 9, "F")
	p.set(11, true)
	r.color(colText)
	p.text(x0+2, y+6.2, "Grand total")
	p.right(right-1.5, y+6.2, cur.Format(t.Grand))
	return y + 18
}

// terms prints the terms and conditions, line by line across pages.
func (r *renderer) terms(y float64) {
	p, d := r.p, r.d
	if strings.TrimSpace(d.Terms) == "" {
		return
	}
	p.set(9, true)
	if y+12 > bottom {
		y = r.newPage()
	}
	r.color(colText)
	p.text(margin, y, "Terms and conditions")
	y += 1.5
	p.set(8.5, false)
	r.color(colMuted)
	for _, l := range p.wrap(strings.TrimSpace(d.Terms), content) {
		y += p.lineHeight()
		if y > bottom {
			y = r.newPage() + p.lineHeight()
		}
		p.text(margin, y, l)
	}
	r.color(colText)
}

// footer runs when fpdf closes a page: company name and page count.
func (r *renderer) footer() {
	p := r.p
	size, bold := p.size, p.bold
	r.pdf.SetDrawColor(colRule[0], colRule[1], colRule[2])
	r.pdf.Line(margin, pageH-15, right, pageH-15)
	p.set(7.5, false)
	r.color(colMuted)
	left := r.d.Company.Name
	if n := strings.TrimSpace(r.d.Title + " " + r.d.Number); n != "" {
		if left != "" {
			left += " · "
		}
		left += n
	}
	p.text(margin, pageH-11, left)
	p.right(right, pageH-11, fmt.Sprintf("Page %d of {nb}", r.pdf.PageNo()))
	p.set(size, bold)
	r.color(colText)
}
