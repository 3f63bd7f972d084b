package pdfdoc

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"unicode"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	mplus "github.com/hajimehoshi/ebiten/v2/examples/resources/fonts"
	"golang.org/x/image/font/sfnt"
)

// Fonts are the TrueType fonts a document is drawn with. They come from Go
// modules (DejaVu from go-fonts, M+ 1p from Ebitengine's resources), so the
// repository carries no font file and a clone builds with nothing beside it.
type Fonts struct {
	sans, sansBold, cjk []byte
	// Parsed for Missing only; fpdf parses the bytes itself.
	sansFace, cjkFace *sfnt.Font
}

// DefaultFonts draws Latin, Greek and Cyrillic with DejaVu Sans and CJK text
// with M+ 1p, which covers kana and the Han characters of Japanese (the
// common ones of Chinese too) but no Hangul.
func DefaultFonts() Fonts { return defaultFonts() }

// defaultFonts parses the built-in fonts once; they are fixed bytes, so
// the parse cannot fail (the tests render with them).
var defaultFonts = sync.OnceValue(func() Fonts {
	f := Fonts{sans: dejavusans.TTF, sansBold: dejavusansbold.TTF, cjk: mplus.MPlus1pRegular_ttf}
	f.sansFace, _ = sfnt.Parse(f.sans)
	f.cjkFace, _ = sfnt.Parse(f.cjk)
	return f
})

// WithCJKFile replaces the CJK font by a TrueType file (pdf.cjkFont), for
// shops whose customers write Korean or rarer Han characters: Debian's
// fonts-droid-fallback, for example, covers all of CJK. The file is read
// and checked once, at start-up, so a bad path stops the portal instead of
// the first PDF.
func (f Fonts) WithCJKFile(path string) (Fonts, error) {
	if path == "" {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("pdfdoc: CJK font: %w", err)
	}
	face, err := sfnt.Parse(b)
	if err != nil || !isTrueType(b) {
		return f, fmt.Errorf("pdfdoc: CJK font %s: not a TrueType (.ttf) file", path)
	}
	f.cjk, f.cjkFace = b, face
	return f, nil
}

// Missing lists, once each, the characters of d that its fonts have no
// glyph for: fpdf draws those as empty boxes without a word, so the
// documents service logs them with a hint at pdf.cjkFont.
func (f Fonts) Missing(d Document) []rune {
	if f.sansFace == nil {
		f = DefaultFonts()
	}
	var buf sfnt.Buffer
	var out []rune
	for _, s := range d.texts() {
		for _, r := range s {
			if r < 0x80 || unicode.IsSpace(r) || slices.Contains(out, r) {
				continue
			}
			face := f.sansFace
			if isCJK(r) {
				face = f.cjkFace
			}
			if g, err := face.GlyphIndex(&buf, r); err != nil || g == 0 {
				out = append(out, r)
			}
		}
	}
	return out
}

// isTrueType checks the sfnt version tag: fpdf reads TrueType outlines
// only, so OpenType/CFF (.otf) and collections (.ttc) are refused.
func isTrueType(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	tag := string(b[:4])
	return tag == "\x00\x01\x00\x00" || tag == "true"
}
