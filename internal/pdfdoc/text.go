package pdfdoc

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// Font families registered on every document.
const (
	famSans = "sans"
	famCJK  = "cjk"
)

// isCJK reports whether r is drawn with the CJK font: Han, kana, Hangul,
// CJK symbols and full-width forms. DejaVu has none of them and Droid
// Sans Fallback has no Latin, so every string is split on this.
func isCJK(r rune) bool {
	switch {
	case r >= 0x2E80 && r <= 0x9FFF, // radicals, CJK symbols, kana, Bopomofo, Han
		r >= 0xA960 && r <= 0xA97F,   // Hangul Jamo extended
		r >= 0xAC00 && r <= 0xD7FF,   // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,   // compatibility forms
		r >= 0xFF00 && r <= 0xFFEF,   // half- and full-width forms
		r >= 0x20000 && r <= 0x3FFFF: // Han extensions
		return true
	}
	return unicode.Is(unicode.Hangul, r)
}

type run struct {
	s   string
	cjk bool
}

// runs splits s into maximal pieces drawn with one font.
func runs(s string) []run {
	var out []run
	start := 0
	cur := false
	for i, r := range s {
		c := isCJK(r)
		if i == 0 {
			cur = c
			continue
		}
		if c != cur {
			out = append(out, run{s[start:i], cur})
			start, cur = i, c
		}
	}
	if start < len(s) {
		out = append(out, run{s[start:], cur})
	}
	return out
}

// pen draws text in the current size, weight and colour.
type pen struct {
	pdf  *fpdf.Fpdf
	size float64
	bold bool
}

func (p *pen) font(cjk bool) {
	switch {
	case cjk:
		p.pdf.SetFont(famCJK, "", p.size)
	case p.bold:
		p.pdf.SetFont(famSans, "B", p.size)
	default:
		p.pdf.SetFont(famSans, "", p.size)
	}
}

// set changes size and weight for the following calls.
func (p *pen) set(size float64, bold bool) {
	p.size, p.bold = size, bold
	p.font(false)
}

// width is the printed width of s in mm.
func (p *pen) width(s string) float64 {
	w := 0.0
	for _, r := range runs(s) {
		p.font(r.cjk)
		w += p.pdf.GetStringWidth(r.s)
	}
	p.font(false)
	return w
}

// text draws s with its baseline at y, starting at x.
func (p *pen) text(x, y float64, s string) {
	for _, r := range runs(oneLine(s)) {
		p.font(r.cjk)
		p.pdf.Text(x, y, r.s)
		x += p.pdf.GetStringWidth(r.s)
	}
	p.font(false)
}

// right draws s ending at x.
func (p *pen) right(x, y float64, s string) {
	s = oneLine(s)
	p.text(x-p.width(s), y, s)
}

// lineHeight is the distance between baselines for the current size.
func (p *pen) lineHeight() float64 { return p.size * 0.3528 * 1.3 } // pt → mm, 130 %

// wrap breaks s into lines no wider than w: at spaces, between CJK
// characters, and inside a word that alone is too wide. Newlines in s
// are kept.
func (p *pen) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(clean(strings.ReplaceAll(s, "\r\n", "\n")), "\n") {
		out = append(out, p.wrapLine(para, w)...)
	}
	return out
}

func (p *pen) wrapLine(s string, w float64) []string {
	tokens := tokenize(s)
	if len(tokens) == 0 {
		return []string{""}
	}
	var lines []string
	line := ""
	for _, tok := range tokens {
		cand := line + tok
		if line == "" {
			cand = strings.TrimLeft(tok, " ")
		}
		if p.width(cand) <= w {
			line = cand
			continue
		}
		if line != "" {
			lines = append(lines, strings.TrimRight(line, " "))
		}
		tok = strings.TrimLeft(tok, " ")
		// A token wider than the column is cut by characters.
		for p.width(tok) > w && utf8.RuneCountInString(tok) > 1 {
			cut := len(tok)
			for cut > 0 && p.width(tok[:cut]) > w {
				_, size := utf8.DecodeLastRuneInString(tok[:cut])
				cut -= size
			}
			if cut == 0 {
				_, cut = utf8.DecodeRuneInString(tok)
			}
			lines = append(lines, tok[:cut])
			tok = tok[cut:]
		}
		line = tok
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// tokenize splits into words with their leading spaces; every CJK
// character is a token of its own, since CJK text breaks anywhere.
func tokenize(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	inWord := false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t':
			if inWord {
				flush()
				inWord = false
			}
			b.WriteRune(' ')
		case isCJK(r):
			b.WriteRune(r)
			flush()
			inWord = false
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return out
}

// clean drops control characters (a stray \x00 from the CRM must not end
// up in a content stream) and invalid UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func oneLine(s string) string { return strings.ReplaceAll(clean(s), "\n", " ") }
