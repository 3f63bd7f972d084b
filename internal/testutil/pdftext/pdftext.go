// Package pdftext reads the text of a PDF back for tests, with poppler's
// pdftotext (Debian poppler-utils, installed by .ci/run), and renders a
// page to PNG with pdftoppm for a look at the layout.
package pdftext

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Text returns the text of pdf in layout order. Without pdftotext the
// test fails in CI (CI is set) and is skipped with the reason elsewhere,
// so a PDF is never "tested" without being read back where it counts.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin := tool(t, "pdftotext")
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// PNG renders page 1 of pdf to the PNG file dst at 100 dpi.
func PNG(t testing.TB, pdf []byte, dst string) {
	t.Helper()
	bin := tool(t, "pdftoppm")
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", in, dst[:len(dst)-len(filepath.Ext(dst))]).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
}

func tool(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (Debian poppler-utils) is required in CI", name)
		}
		t.Skipf("%s not installed (apt-get install poppler-utils)", name)
	}
	return bin
}
