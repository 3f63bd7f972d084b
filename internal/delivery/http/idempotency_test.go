package http

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// The request hash ignores a multipart boundary (browsers pick a new one on
// every retry) wherever the reads split the body, and sees every other byte.
func TestRequestHashIgnoresMultipartBoundary(t *testing.T) {
	part := func(boundary, content string) []byte {
		return []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" +
			content + "\r\n--" + boundary + "--\r\n")
	}
	sum := func(path, contentType string, body []byte, chunk int) string {
		r := httptest.NewRequest("POST", path, nil)
		r.Header.Set("Content-Type", contentType)
		h := newRequestHash(r)
		for len(body) > 0 {
			n := min(chunk, len(body))
			_, _ = h.Write(body[:n])
			body = body[n:]
		}
		return string(h.Sum(nil))
	}
	mp := func(b string) string { return "multipart/form-data; boundary=" + b }
	base := sum("/api/v1/tickets/1/documents", mp("AaB03x"), part("AaB03x", "hello"), 1<<20)
	cases := []struct {
		name  string
		hash  string
		equal bool
	}{
		{"another boundary", sum("/api/v1/tickets/1/documents", mp("----WebKitFormBoundary7MA4YWxk"), part("----WebKitFormBoundary7MA4YWxk", "hello"), 1<<20), true},
		{"split into 1-byte reads", sum("/api/v1/tickets/1/documents", mp("XyZ123"), part("XyZ123", "hello"), 1), true},
		{"split into 5-byte reads", sum("/api/v1/tickets/1/documents", mp("XyZ123"), part("XyZ123", "hello"), 5), true},
		{"other content", sum("/api/v1/tickets/1/documents", mp("AaB03x"), part("AaB03x", "hellO"), 1<<20), false},
		{"other path", sum("/api/v1/tickets/2/documents", mp("AaB03x"), part("AaB03x", "hello"), 1<<20), false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.hash == base) != tt.equal {
				t.Fatalf("hash equal = %v, want %v", tt.hash == base, tt.equal)
			}
		})
	}
	// JSON bodies are hashed byte for byte.
	a := sum("/api/v1/tickets", "application/json", []byte(`{"ticket_title":"a"}`), 3)
	b := sum("/api/v1/tickets", "application/json", []byte(`{"ticket_title":"b"}`), 3)
	if a == b || a != sum("/api/v1/tickets", "application/json", []byte(`{"ticket_title":"a"}`), 100) {
		t.Fatal("JSON body hash is not byte-exact")
	}
}

func TestValidIdempotencyKey(t *testing.T) {
	for key, want := range map[string]bool{
		"3f2b8c9e-4a1d-4c5e-9b7a-1d2e3f4a5b6c": true,
		"a":                                    true,
		"":                                     false,
		"has space":                            false,
		"tab\there":                            false,
		"ünicode":                              false,
		string(bytes.Repeat([]byte("k"), 255)): true,
		string(bytes.Repeat([]byte("k"), 256)): false,
	} {
		if got := validIdempotencyKey(key); got != want {
			t.Errorf("validIdempotencyKey(%q) = %v, want %v", key, got, want)
		}
	}
}
