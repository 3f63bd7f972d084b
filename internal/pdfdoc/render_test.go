package pdfdoc

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/testutil/pdftext"
)

func pdfText(t *testing.T, pdf []byte) string { return pdftext.Text(t, pdf) }

func sample() Document {
	return Document{
		Title:    "Invoice",
		Number:   "INV4",
		Subject:  "Network upgrade, first phase — Zürich office",
		Dates:    []Field{{"Invoice date", "2026-02-10"}, {"Due date", "2026-03-12"}},
		Company:  Company{Name: "Demo Vtiger Company", Lines: []string{"Friedrichstraße 120", "10117 Berlin", "Germany", "VAT DE298765432"}},
		Billing:  Address{Lines: []string{"Acme Ltd", "Rue de l'Église 5", "1000 Bruxelles", "Belgium"}},
		Shipping: Address{Lines: []string{"Acme 日本支社", "東京都千代田区 1-1", "Japan"}},
		Items: []Item{
			{Name: "24-Port Gigabit Switch", Quantity: "2", ListPrice: 22900, Total: 45800},
			{Name: "Café crème über 日本 service", Comment: "Cabling and configuration", Quantity: "1", ListPrice: 95000, Discount: 5000, Tax: 17100, Total: 107100},
		},
		Totals:   Totals{Subtotal: 152900, Discount: 0, Tax: 0, Shipping: 1500, Grand: 154400},
		Currency: Currency{Code: "EUR", Symbol: "€", Decimals: 2},
		Terms:    "Payable within 30 days of the invoice date. Zahlbar ohne Abzug.",
	}
}

func TestRenderTextReadsBack(t *testing.T) {
	pdf, err := Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	text := pdfText(t, pdf)
	for _, want := range []string{
		"INVOICE", "INV4", "2026-03-12", "Demo Vtiger Company", "Friedrichstraße 120",
		"24-Port Gigabit Switch", "Café crème über", "日本", "東京都千代田区",
		"€458.00", "€1,071.00", "€1,544.00", "Grand total", "Zahlbar ohne Abzug", "Page 1 of 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "PAID") {
		t.Errorf("unpaid invoice carries a PAID mark:\n%s", text)
	}
}

// Debian's fonts-droid-fallback (installed by .ci/run) is the CJK font the
// README suggests for pdf.cjkFont.
const droidFallback = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

func TestWithCJKFile(t *testing.T) {
	dir := t.TempDir()
	otf := dir + "/font.otf"
	if err := os.WriteFile(otf, append([]byte("OTTO"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, wantErr string
	}{
		{"empty keeps the built-in font", "", ""},
		{"missing file", dir + "/nope.ttf", "no such file"},
		{"OpenType CFF is refused", otf, "not a TrueType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := DefaultFonts().WithCJKFile(tc.path)
			if tc.wantErr == "" {
				if err != nil || !bytes.Equal(f.cjk, DefaultFonts().cjk) {
					t.Fatalf("err %v, font replaced: %v", err, !bytes.Equal(f.cjk, DefaultFonts().cjk))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// The built-in fonts draw the sample's Latin and Japanese; what they
// lack is reported, and a configured full CJK font fills the gap.
func TestMissingGlyphs(t *testing.T) {
	if miss := DefaultFonts().Missing(sample()); len(miss) != 0 {
		t.Fatalf("built-in fonts lack %q of the sample", string(miss))
	}
	d := sample()
	d.Shipping.Lines = []string{"简体中文 北京", "東京都千代田区 1-1", "ภาษาไทย"}
	miss := string(DefaultFonts().Missing(d))
	for _, want := range []string{"简", "ภ"} {
		if !strings.Contains(miss, want) {
			t.Errorf("missing %q does not name %q", miss, want)
		}
	}
	if strings.ContainsAny(miss, "東京都千代田区北") {
		t.Errorf("missing %q names characters M+ 1p has", miss)
	}

	if _, err := os.Stat(droidFallback); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (Debian fonts-droid-fallback) is required in CI", droidFallback)
		}
		t.Skipf("apt-get install fonts-droid-fallback: %v", err)
	}
	f, err := DefaultFonts().WithCJKFile(droidFallback)
	if err != nil {
		t.Fatal(err)
	}
	if miss := string(f.Missing(d)); strings.ContainsAny(miss, "简体中文北京東京都千代田区") || !strings.Contains(miss, "ภ") {
		t.Fatalf("with %s missing %q, want only the Thai", droidFallback, miss)
	}
	pdf, err := f.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "简体中文 北京") || !strings.Contains(text, "東京都千代田区") {
		t.Fatalf("with %s: Chinese or Japanese missing:\n%s", droidFallback, text)
	}
}

// The CJK font is parsed and embedded only when a text needs it.
func TestRenderEmbedsCJKFontOnlyWhenNeeded(t *testing.T) {
	latin := sample()
	latin.Shipping.Lines = []string{"Acme Tokyo branch", "Japan"}
	latin.Items[1].Name = "Café crème über service"
	for name, tc := range map[string]struct {
		d    Document
		want bool
	}{"with Japanese": {sample(), true}, "Latin only": {latin, false}} {
		t.Run(name, func(t *testing.T) {
			pdf, err := Render(tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(pdf, []byte("/utf8cjk")); got != tc.want {
				t.Errorf("CJK font embedded = %v, want %v", got, tc.want)
			}
			if text := pdfText(t, pdf); !strings.Contains(text, "Café crème über") {
				t.Errorf("Latin text lost:\n%s", text)
			}
		})
	}
}

func TestRenderPaidMark(t *testing.T) {
	d := sample()
	d.Paid = true
	pdf, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "PAID") {
		t.Errorf("paid invoice lacks the PAID mark:\n%s", text)
	}
}

func TestRenderManyItemsBreaksPages(t *testing.T) {
	d := sample()
	d.Items = nil
	for i := range 40 {
		d.Items = append(d.Items, Item{Name: "Toner cartridge " + string(rune('A'+i%26)), Quantity: "1", ListPrice: 8990, Total: 8990})
	}
	d.Items[39].Name = "The last line item"
	pdf, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Page 1 of 2", "Page 2 of 2", "The last line item", "Grand total"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// The column titles are repeated on the second page.
	if n := strings.Count(text, "List price"); n != 2 {
		t.Errorf("table header printed %d times, want 2", n)
	}
}

func TestRenderLogoAndBrokenLogo(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{R: 200, G: 30, B: 30, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	for name, logo := range map[string][]byte{"png": buf.Bytes(), "garbage": []byte("not an image at all")} {
		t.Run(name, func(t *testing.T) {
			d := sample()
			d.Company.Logo = logo
			pdf, err := Render(d)
			if err != nil {
				t.Fatal(err)
			}
			hasImage := bytes.Contains(pdf, []byte("/Subtype /Image"))
			if hasImage != (name == "png") {
				t.Errorf("image embedded = %v", hasImage)
			}
			if !strings.Contains(pdfText(t, pdf), "INV4") {
				t.Error("document text missing")
			}
		})
	}
}

// TestRenderPage writes page 1 as PNG when PDFDOC_PNG names a file, for a
// look at the layout (go test ./internal/pdfdoc -run Page with
// PDFDOC_PNG=/tmp/page.png).
func TestRenderPage(t *testing.T) {
	d := sample()
	d.Paid = true
	pdf, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	dst := os.Getenv("PDFDOC_PNG")
	if dst == "" {
		dst = t.TempDir() + "/page.png"
	}
	pdftext.PNG(t, pdf, dst)
	if fi, err := os.Stat(dst); err != nil || fi.Size() < 10000 {
		t.Fatalf("page PNG missing or blank: %v", err)
	}
}

func TestCurrencyFormat(t *testing.T) {
	for _, tc := range []struct {
		c     Currency
		minor int64
		want  string
	}{
		{Currency{Symbol: "€", Decimals: 2}, 123450, "€1,234.50"},
		{Currency{Symbol: "€", Decimals: 2}, 5, "€0.05"},
		{Currency{Symbol: "€", Decimals: 2}, 0, "€0.00"},
		{Currency{Symbol: "$", Decimals: 2}, -300, "-$3.00"},
		{Currency{Symbol: "¥", Decimals: 0}, 1234567, "¥1,234,567"},
		{Currency{Code: "KWD", Decimals: 3}, 1234567, "KWD 1,234.567"},
		{Currency{Symbol: "€", Decimals: 2}, 100000000, "€1,000,000.00"},
	} {
		if got := tc.c.Format(tc.minor); got != tc.want {
			t.Errorf("Format(%d, %+v) = %q, want %q", tc.minor, tc.c, got, tc.want)
		}
	}
}

func TestWrapKeepsEveryCharacter(t *testing.T) {
	doc, err := DefaultFonts().newPDF(true)
	if err != nil {
		t.Fatal(err)
	}
	r := &pen{pdf: doc, size: 9}
	for _, s := range []string{
		"short",
		"a rather long product name that will certainly not fit into a narrow column of the table",
		"日本語の非常に長い製品名がここに入ります日本語の非常に長い製品名",
		"Supercalifragilisticexpialidocious-without-any-space-at-all-in-it",
	} {
		lines := r.wrap(s, 30)
		for _, l := range lines {
			if w := r.width(l); w > 30.01 {
				t.Errorf("line %q is %.1f mm wide", l, w)
			}
		}
		if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != strings.ReplaceAll(s, " ", "") {
			t.Errorf("wrap lost characters: %q → %q", s, lines)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	d := sample()
	for range b.N {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderLatinOnly(b *testing.B) {
	d := sample()
	d.Shipping.Lines = []string{"Acme Tokyo branch", "Chiyoda 1-1", "Japan"}
	d.Items[1].Name = "Café crème über service"
	for range b.N {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}
