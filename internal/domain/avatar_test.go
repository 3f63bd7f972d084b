package domain

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"testing"
)

// The placeholder must be a picture a browser decodes: a 1×1 transparent PNG.
func TestPlaceholderAvatar(t *testing.T) {
	raw, err := base64.StdEncoding.DecodeString(PlaceholderAvatar)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Fatalf("size %v", b)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("alpha %d, want transparent", a)
	}
}
