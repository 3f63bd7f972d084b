package domain

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"testing"
)

func TestPlaceholderAvatarIsAValidPNG(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(placeholderPNG))
	if err != nil {
		t.Fatalf("placeholder: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Fatalf("placeholder is %v, want 1x1", b)
	}
	got, _ := base64.StdEncoding.DecodeString(PlaceholderAvatar)
	if !IsPlaceholderAvatar(got) || IsPlaceholderAvatar(append(got, 0)) {
		t.Fatal("PlaceholderAvatar is not the base64 of the placeholder PNG")
	}
}
