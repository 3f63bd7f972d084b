package pdfdoc

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sync"
)

// The fonts are stored gzipped (2.9 MB instead of 5.5 MB in the binary and
// the repository) and unpacked once, on the first document.
//
//go:embed fonts/*.ttf.gz
var fontFS embed.FS

type fontSet struct {
	sans, sansBold, cjk []byte
}

var (
	fontsOnce sync.Once
	fonts     fontSet
	fontsErr  error
)

func loadFonts() (fontSet, error) {
	fontsOnce.Do(func() {
		for _, f := range []struct {
			name string
			dst  *[]byte
		}{
			{"DejaVuSans.ttf.gz", &fonts.sans},
			{"DejaVuSans-Bold.ttf.gz", &fonts.sansBold},
			{"DroidSansFallbackFull.ttf.gz", &fonts.cjk},
		} {
			b, err := gunzip(f.name)
			if err != nil {
				fontsErr = fmt.Errorf("pdfdoc: font %s: %w", f.name, err)
				return
			}
			*f.dst = b
		}
	})
	return fonts, fontsErr
}

func gunzip(name string) ([]byte, error) {
	raw, err := fontFS.ReadFile("fonts/" + name)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}
